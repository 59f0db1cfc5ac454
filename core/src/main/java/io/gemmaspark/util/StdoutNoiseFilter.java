package io.gemmaspark.util;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * ND4J 1.0.0-M2.1 prints "Added differentiated op ..." to stdout thousands of times whenever SameDiff builds a
 * gradient function, and no logger setting silences it. This stream drops exactly those lines and passes
 * everything else through unchanged.
 */
public final class StdoutNoiseFilter extends OutputStream {
    private static final String[] NOISE_PREFIXES = {"Added differentiated op"};
    private static volatile boolean installed;

    private final OutputStream target;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);

    private StdoutNoiseFilter(OutputStream target) {
        this.target = target;
    }

    /** Replaces System.out with a filtered stream once per JVM (driver or executor). */
    public static synchronized void install() {
        if (!installed) {
            System.setOut(new PrintStream(new StdoutNoiseFilter(System.out), true, StandardCharsets.UTF_8));
            installed = true;
        }
    }

    public static boolean isNoise(String line) {
        for (String prefix : NOISE_PREFIXES) {
            if (line.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public synchronized void write(int b) {
        line.write(b);
        if (b == '\n') {
            flushLine();
        }
    }

    @Override
    public synchronized void write(byte[] bytes, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            write(bytes[i]);
        }
    }

    @Override
    public synchronized void flush() throws java.io.IOException {
        if (line.size() > 0 && !isNoise(line.toString(StandardCharsets.UTF_8))) {
            line.writeTo(target);
            line.reset();
        }
        target.flush();
    }

    private void flushLine() {
        try {
            if (!isNoise(line.toString(StandardCharsets.UTF_8))) {
                line.writeTo(target);
            }
            line.reset();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
