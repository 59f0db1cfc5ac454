package io.gemmaspark.jobs;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options of tokenizer-encode and tokenizer-decode: the tokenizer file and where the lines come from. */
public final class TokenizerFileOptions {
    @Option(names = "--model", required = true, paramLabel = "FILE",
            description = "A SentencePiece .model or a Hugging Face tokenizer.json.")
    String model;

    @Option(names = "--input", paramLabel = "FILE", description = "Read lines from FILE instead of stdin.")
    Path input;
}
