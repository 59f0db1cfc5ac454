package io.gemmaspark.jobs;

import io.gemmaspark.model.tokenizer.IntList;
import io.gemmaspark.model.tokenizer.Tokenizer;
import io.gemmaspark.model.tokenizer.TokenizerFiles;
import io.gemmaspark.filtering.normalize.InvalidUtf8Exception;
import io.gemmaspark.filtering.normalize.InvalidUtf8Policy;
import io.gemmaspark.filtering.normalize.Utf8Decoder;
import io.gemmaspark.util.UserError;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bin/gemma tokenizer-encode}: one line of ids per input line, as {@code spm_encode --output_format=id}. */
@Command(name = "tokenizer-encode", mixinStandardHelpOptions = true,
        description = "Encode UTF-8 lines (stdin or --input) to space-separated token ids, one line per input line.")
public final class TokenizerEncodeCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Mixin
    TokenizerFileOptions files;

    @Option(names = "--bos", description = "Start each line with <bos>.")
    boolean bos;

    @Option(names = "--eos", description = "End each line with <eos>.")
    boolean eos;

    /** What to do with a line that is not valid UTF-8. */
    public enum InvalidUtf8 {
        /** each malformed sequence becomes U+FFFD, as spm_encode does; the lines are counted on stderr */
        REPLACE,
        /** the line is left out of the output; counted on stderr */
        SKIP,
        /** stop with an error naming the line */
        FAIL
    }

    @Option(names = "--invalid-utf8", paramLabel = "POLICY", defaultValue = "replace",
            converter = InvalidUtf8Converter.class,
            description = "Lines that are not valid UTF-8: replace (U+FFFD, default, as spm_encode), skip, or fail.")
    InvalidUtf8 invalidUtf8 = InvalidUtf8.REPLACE;

    static final class InvalidUtf8Converter implements picocli.CommandLine.ITypeConverter<InvalidUtf8> {
        @Override
        public InvalidUtf8 convert(String value) {
            try {
                return InvalidUtf8.valueOf(value.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(
                        "'" + value + "' is not one of replace, skip, fail");
            }
        }
    }

    @Override
    public Integer call() throws IOException {
        Tokenizer tokenizer = TokenizerFiles.load(files.model);
        String source = files.input == null ? "stdin" : files.input.toString();
        InvalidUtf8Policy policy = switch (invalidUtf8) {
            case REPLACE -> InvalidUtf8Policy.REPLACE;
            case SKIP -> InvalidUtf8Policy.DROP;
            case FAIL -> InvalidUtf8Policy.FAIL;
        };
        long invalidLines = 0;
        long firstInvalid = 0;
        try (InputStream in = input(files.input);
             BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8),
                     1 << 16)) {
            // lines end at '\n' only, as spm_encode reads them: a '\r' stays part of the text
            ByteArrayOutputStream line = new ByteArrayOutputStream(256);
            long lineNumber = 0;
            int c;
            boolean pending = false;
            while (true) {
                c = in.read();
                if (c < 0 && !pending) {
                    break;
                }
                if (c >= 0 && c != '\n') {
                    line.write(c);
                    pending = true;
                    continue;
                }
                lineNumber++;
                Utf8Decoder.Decoded decoded;
                try {
                    decoded = Utf8Decoder.decode(line.toByteArray(), policy, source + ":" + lineNumber);
                } catch (InvalidUtf8Exception e) {
                    throw new UserError(e.getMessage().replace("(invalid_utf8 policy is fail)",
                            "(--invalid-utf8 fail; replace or skip reads past it)"));
                }
                if (decoded.invalidCount() > 0) {
                    invalidLines++;
                    firstInvalid = firstInvalid == 0 ? lineNumber : firstInvalid;
                }
                if (!decoded.dropped()) {
                    writeIds(tokenizer.encode(decoded.text(), bos, eos), out);
                }
                line.reset();
                pending = false;
                if (c < 0) {
                    break;
                }
            }
        }
        if (invalidLines > 0) {
            System.err.printf("tokenizer-encode: %,d line(s) with invalid UTF-8 %s, the first at %s:%d%n", invalidLines,
                    invalidUtf8 == InvalidUtf8.SKIP ? "skipped" : "encoded with U+FFFD", source, firstInvalid);
        }
        return 0;
    }

    static InputStream input(Path input) {
        try {
            return new BufferedInputStream(input == null ? System.in : Files.newInputStream(input), 1 << 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + input, e);
        }
    }

    static BufferedReader reader(Path input) {
        try {
            return input == null ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8), 1 << 16)
                    : Files.newBufferedReader(input, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + input, e);
        }
    }

    static void writeIds(int[] ids, BufferedWriter out) throws IOException {
        for (int i = 0; i < ids.length; i++) {
            if (i > 0) {
                out.write(' ');
            }
            out.write(Integer.toString(ids[i]));
        }
        out.write('\n');
    }

    static IntList parseIds(String line, int lineNumber, String source) {
        IntList ids = new IntList(16);
        for (String field : line.trim().split("\\s+")) {
            if (field.isEmpty()) {
                continue;
            }
            try {
                ids.add(Integer.parseInt(field));
            } catch (NumberFormatException e) {
                throw new io.gemmaspark.util.UserError(source + ":" + lineNumber + ": '" + field
                        + "' is not a token id");
            }
        }
        return ids;
    }
}
