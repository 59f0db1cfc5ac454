package io.gemmaspark.jobs;

import io.gemmaspark.config.ConfigLoader;
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
        description = "Train a SentencePiece-compatible BPE tokenizer on clean documents (Parquet with a text "
                + "column) or text files; writes tokenizer.model, tokenizer.vocab and manifest.json to --out.")
public final class TokenizerTrainCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--input", required = true, split = ",", paramLabel = "PATH",
            description = "Clean-document Parquet directories or text files (any Hadoop path; repeatable).")
    List<String> inputs = new ArrayList<>();

    @Option(names = "--overwrite", description = "Replace an existing output directory.")
    boolean overwrite;

    @Override
    public Integer call() {
        TokenizerTrainingConfig config = ConfigLoader.load(common.confOr("tokenizer/gemma"),
                TokenizerTrainingConfig.class, common.overrides);
        if (common.out == null) {
            throw new UserError("tokenizer-train: --out DIR is required");
        }
        try (SparkSession spark = SparkSupport.session("tokenizer-train", common)) {
            TokenizerTrainJob.Summary summary = TokenizerTrainJob.run(spark, config, inputs, common.out, overwrite);
            System.out.println(TokenizerTrainJob.describe(summary));
        }
        return 0;
    }
}
