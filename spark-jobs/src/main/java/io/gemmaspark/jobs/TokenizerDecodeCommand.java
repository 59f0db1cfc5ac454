package io.gemmaspark.jobs;

import io.gemmaspark.model.tokenizer.Tokenizer;
import io.gemmaspark.model.tokenizer.TokenizerFiles;
import io.gemmaspark.util.UserError;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code bin/gemma tokenizer-decode}: the inverse of tokenizer-encode. */
@Command(name = "tokenizer-decode", mixinStandardHelpOptions = true,
        description = "Decode lines of space-separated token ids (stdin or --input) to text, one line per line.")
public final class TokenizerDecodeCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Mixin
    TokenizerFileOptions files;

    @Override
    public Integer call() throws IOException {
        Tokenizer tokenizer = TokenizerFiles.load(files.model);
        String source = files.input == null ? "stdin" : files.input.toString();
        try (BufferedReader in = TokenizerEncodeCommand.reader(files.input);
             PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8))) {
            String line;
            int number = 0;
            while ((line = in.readLine()) != null) {
                number++;
                try {
                    out.print(tokenizer.decode(TokenizerEncodeCommand.parseIds(line, number, source).toArray()));
                    out.print('\n');
                } catch (IllegalArgumentException e) {
                    throw new UserError(source + ":" + number + ": " + e.getMessage());
                }
            }
        }
        return 0;
    }
}
