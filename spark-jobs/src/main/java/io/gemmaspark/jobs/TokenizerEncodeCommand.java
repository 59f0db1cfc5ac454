package io.gemmaspark.jobs;

import io.gemmaspark.model.tokenizer.IntList;
import io.gemmaspark.model.tokenizer.Tokenizer;
import io.gemmaspark.model.tokenizer.TokenizerFiles;
import java.io.BufferedReader;
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

    @Override
    public Integer call() throws IOException {
        Tokenizer tokenizer = TokenizerFiles.load(files.model);
        try (BufferedReader in = reader(files.input);
             BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8),
                     1 << 16)) {
            StringBuilder line = new StringBuilder();
            // lines end at '\n' only, as spm_encode reads them: a '\r' stays part of the text
            int c;
            boolean pending = false;
            while ((c = in.read()) >= 0) {
                if (c == '\n') {
                    writeIds(tokenizer.encode(line.toString(), bos, eos), out);
                    line.setLength(0);
                    pending = false;
                } else {
                    line.append((char) c);
                    pending = true;
                }
            }
            if (pending) {
                writeIds(tokenizer.encode(line.toString(), bos, eos), out);
            }
        }
        return 0;
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
