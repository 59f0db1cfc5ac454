package io.gemmaspark.jobs;

import io.gemmaspark.config.ConfigLoader;
import io.gemmaspark.jobs.batch.GenerateBatchJob;
import io.gemmaspark.jobs.batch.GenerateBatchSettings;
import io.gemmaspark.util.Json;
import io.gemmaspark.util.UserError;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bin/gemma generate-batch}: completions for a file of prompts on Spark executors. */
@Command(name = "generate-batch", mixinStandardHelpOptions = true,
        description = "Complete every prompt of a JSONL or Parquet input (id + prompt or messages) on Spark "
                + "executors with the batched decoder; writes Parquet (id, completion, prompt_tokens, "
                + "completion_tokens, finish_reason). Sampling: --set temperature=.. top_k=.. top_p=.. seed=.. "
                + "max_tokens=.. (conf/generate-batch/default.yaml).")
public final class GenerateBatchCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "HF model directory, native checkpoint, or checkpoint store (its latest valid checkpoint).")
    String model;

    @Option(names = "--input", required = true, paramLabel = "PATH",
            description = "A .jsonl or .parquet file, or a directory of them.")
    String input;

    @Option(names = "--strict", description = "Fail on the first bad row instead of counting and skipping it.")
    boolean strict;

    @Override
    public Integer call() {
        if (common.out == null) {
            throw new UserError("generate-batch: --out DIR is required");
        }
        GenerateBatchSettings settings = ConfigLoader.load(common.confOr("generate-batch/default"),
                GenerateBatchSettings.class, common.overrides);
        try (SparkSession spark = SparkSupport.session("generate-batch", common)) {
            GenerateBatchJob.Summary summary = GenerateBatchJob.run(spark, settings, model, input, common.out, strict);
            System.out.println("generate-batch: " + summary.requests() + " completions in " + summary.partitions()
                    + " partitions (" + summary.skipped() + " already complete), " + summary.badRows()
                    + " bad rows skipped, into " + common.out);
            System.out.println(Json.pretty(summary));
        }
        return 0;
    }
}
