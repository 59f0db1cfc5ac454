package io.gemmaspark.training.config;

import io.gemmaspark.config.ConfigLoader;
import io.gemmaspark.config.Default;
import io.gemmaspark.config.Range;
import java.util.List;

/**
 * A reward-model run ({@code conf/reward/*.yaml}); every {@code bin/gemma reward-train} option is one of these keys.
 * A step is one parameter-averaging round over {@code workers x averaging_frequency} minibatches of
 * {@code batch_size_per_worker} preference pairs (2 rows each).
 *
 * @param model                    the checkpoint whose backbone starts the reward model (usually the SFT one)
 * @param data                     preference pairs, JSONL, any Hadoop path or glob
 * @param evalData                 held-out pairs: pairwise accuracy, mean margin and the reward distribution
 * @param seqLen                   tokens per sequence; a longer side drops the pair
 * @param centerRewardsCoefficient weight of {@code mean((r_c + r_r)^2)}, which keeps rewards centred on 0
 */
public record RewardConfig(
        String model,
        String data,
        String evalData,
        @Range(min = 2) int seqLen,
        @Default("false") boolean strict,
        @Default("42") long seed,
        @Range(min = 1) int steps,
        @Range(min = 0) @Default("0.01") double centerRewardsCoefficient,
        SparkTrainingConfig spark,
        OptimizerConfig optimizer,
        CheckpointConfig checkpoint,
        @Range(min = 1) @Default("10") int validationEverySteps) {

    public static RewardConfig load(String reference, List<String> overrides) {
        return ConfigLoader.load(reference, RewardConfig.class, overrides);
    }

    public long pairsPerStep() {
        return (long) spark.workers() * spark.batchSizePerWorker() * spark.averagingFrequency();
    }
}
