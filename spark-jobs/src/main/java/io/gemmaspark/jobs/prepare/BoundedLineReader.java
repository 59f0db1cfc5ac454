package io.gemmaspark.jobs.prepare;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Lines of a byte stream with a hard bound on memory: a line longer than {@code maxLineBytes} is reported as too
 * long with its full length, but only its first {@code maxLineBytes} bytes are ever held; the rest is read and
 * counted, never stored. Hadoop's and Java's line readers grow their buffer to the longest line, so one
 * gigabyte-long line (a minified dump, a binary file renamed .jsonl) would take a gigabyte of every task's heap.
 *
 * <p>Lines end at {@code \n}; a {@code \r} before it is dropped. This is the same rule {@link LineNumbers} counts
 * with, so line numbers agree across file splits. A last line without {@code \n} is still a line.
 */
public final class BoundedLineReader implements Closeable {
    /** What {@link #next()} found. */
    public enum Status { LINE, TOO_LONG, END }

    private static final int CHUNK = 64 * 1024;

    private final InputStream in;
    private final int maxLineBytes;
    private final byte[] chunk;
    private int chunkPos;
    private int chunkEnd;
    private byte[] line = new byte[0];
    private int lineLength;
    private long fullLength;
    private long position;
    private long lineStart;

    /**
     * @param in           the (already decompressed) bytes; closed with this reader
     * @param maxLineBytes longest line held, excluding its terminator
     */
    public BoundedLineReader(InputStream in, int maxLineBytes) {
        if (maxLineBytes < 1) {
            throw new IllegalArgumentException("maxLineBytes must be positive, got " + maxLineBytes);
        }
        this.in = in;
        this.maxLineBytes = maxLineBytes;
        this.chunk = new byte[(int) Math.min(CHUNK, maxLineBytes + 1L)];
    }

    /** Reads the next line: its bytes are {@link #bytes()}[0, {@link #length()}) unless it is too long. */
    public Status next() throws IOException {
        lineLength = 0;
        fullLength = 0;
        lineStart = position;
        boolean any = false;
        while (true) {
            if (chunkPos == chunkEnd && !fill()) {
                return any ? finishLine() : Status.END;
            }
            any = true;
            int newline = indexOfNewline(chunk, chunkPos, chunkEnd);
            int end = newline < 0 ? chunkEnd : newline;
            append(chunk, chunkPos, end - chunkPos);
            position += end - chunkPos;
            chunkPos = end;
            if (newline >= 0) {
                chunkPos++;
                position++;
                return finishLine();
            }
        }
    }

    /** The current line's bytes; valid up to {@link #length()} after {@link Status#LINE}, until the next call. */
    public byte[] bytes() {
        return line;
    }

    public int length() {
        return lineLength;
    }

    /** The current line's length in bytes without its terminator, also for a line too long to hold. */
    public long fullLength() {
        return fullLength;
    }

    /** Offset in the stream of the current line's first byte. */
    public long lineStart() {
        return lineStart;
    }

    /** Bytes consumed so far, terminators included. */
    public long position() {
        return position;
    }

    /** Skips up to and including the next {@code \n} without holding anything; false at the end of the stream. */
    public boolean skipPastNewline() throws IOException {
        while (chunkPos < chunkEnd || fill()) {
            int newline = indexOfNewline(chunk, chunkPos, chunkEnd);
            int end = newline < 0 ? chunkEnd : newline + 1;
            position += end - chunkPos;
            chunkPos = end;
            if (newline >= 0) {
                return true;
            }
        }
        return false;
    }

    /** Bytes this reader holds for lines and reading ahead: never more than about twice {@code maxLineBytes}. */
    public long heldBytes() {
        return (long) line.length + chunk.length;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    private Status finishLine() {
        // A \r is dropped only when the whole line is held; a line not wholly held is too long with or without it.
        if (lineLength == fullLength && lineLength > 0 && line[lineLength - 1] == '\r') {
            lineLength--;
            fullLength--;
        }
        return fullLength > maxLineBytes ? Status.TOO_LONG : Status.LINE;
    }

    private void append(byte[] src, int from, int n) {
        fullLength += n;
        // Keep one byte beyond the limit so that "limit bytes + \r" is still recognised as fitting.
        int room = maxLineBytes + 1 - lineLength;
        int copy = Math.min(n, Math.max(0, room));
        if (copy == 0) {
            return;
        }
        if (lineLength + copy > line.length) {
            long grown = Math.max(lineLength + copy, Math.min(2L * Math.max(line.length, 256), maxLineBytes + 1L));
            line = Arrays.copyOf(line, (int) grown);
        }
        System.arraycopy(src, from, line, lineLength, copy);
        lineLength += copy;
    }

    private boolean fill() throws IOException {
        int n;
        do {
            n = in.read(chunk, 0, chunk.length);
        } while (n == 0);
        if (n < 0) {
            chunkPos = chunkEnd = 0;
            return false;
        }
        chunkPos = 0;
        chunkEnd = n;
        return true;
    }

    private static int indexOfNewline(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
