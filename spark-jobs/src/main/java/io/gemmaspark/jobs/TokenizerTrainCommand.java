package io.gemmaspark.jobs;

import io.gemmaspark.config.ConfigLoader;
import io.gemmaspark.jobs.prepare.ReaderConfig;
import io.gemmaspark.jobs.tokenizer.TokenizerTrainJob;
import io.gemmaspark.model.tokenizer.TokenizerTrainingConfig;
import io.gemmaspark.util.UserError;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bin/gemma tokenizer-train}: SentencePiece-compatible BPE training on Spark. */
@Command(name = "tokenizer-train", mixinStandardHelpOptions = true,
        description = "Train a SentencePiece-compatible BPE tokenizer on any input prepare reads (its kept/ "
                + "shards, JSONL, text, Parquet; gzip, zstd, ...); writes tokenizer.model, tokenizer.vocab and "
                + "manifest.json to --out. Inputs are read with conf/prepare/default.yaml's reader section "
                + "(--set reader.KEY=VALUE).")
public final class TokenizerTrainCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--input", required = true, split = ",", paramLabel = "PATH",
            description = "Files, directories or globs on any Hadoop file system (repeatable).")
    List<String> inputs = new ArrayList<>();

    @Option(names = "--overwrite", description = "Replace an existing output directory.")
    boolean overwrite;

    @Override
    public Integer call() {
        ReaderConfig reading = ReaderConfig.from(common.overrides);
        TokenizerTrainingConfig config = ConfigLoader.load(common.confOr("tokenizer/gemma"),
                TokenizerTrainingConfig.class, reading.otherOverrides());
        if (common.out == null) {
            throw new UserError("tokenizer-train: --out DIR is required");
        }
        try (SparkSession spark = SparkSupport.session("tokenizer-train", common)) {
            TokenizerTrainJob.Summary summary = TokenizerTrainJob.run(spark, config, reading.reader(), inputs,
                    common.out, overwrite);
            System.out.println(TokenizerTrainJob.describe(summary));
        }
        return 0;
    }
}
