package io.gemmaspark.jobs.batch;

import io.gemmaspark.config.Default;
import io.gemmaspark.config.Range;
import io.gemmaspark.model.generation.SchedulerSettings;
import java.io.Serializable;

/**
 * How {@code generate-batch} samples and splits the work ({@code conf/generate-batch/default.yaml}).
 *
 * @param maxTokens   new tokens per prompt at most
 * @param temperature 0 = greedy
 * @param topK        0 = off
 * @param topP        1 = off
 * @param seed        mixed with each request's id into that request's sampling seed
 * @param partitions  fixed work units; each is written (and skipped on a rerun) as a whole
 * @param packedWeightsMb heap each task may give the decode kernel's packed copy of the weights; a model needing
 *                    more decodes from the weights as given
 * @param scheduler   the batched decoder's limits on each task
 */
public record GenerateBatchSettings(
        @Default("128") @Range(min = 1) int maxTokens,
        @Default("0") @Range(min = 0, max = 100) double temperature,
        @Default("0") @Range(min = 0) int topK,
        @Default("1.0") @Range(min = 0, max = 1) double topP,
        @Default("0") long seed,
        @Default("8") @Range(min = 1, max = 100000) int partitions,
        @Default("2048") @Range(min = 0) int packedWeightsMb,
        Scheduler scheduler) implements Serializable {

    public record Scheduler(@Default("16") @Range(min = 1) int maxRunning,
                            @Default("512") @Range(min = 1) int maxStepTokens,
                            @Default("16") @Range(min = 1) int blockSize,
                            @Default("16384") @Range(min = 1) int kvCacheTokens) implements Serializable {
        SchedulerSettings toSchedulerSettings() {
            return new SchedulerSettings(maxRunning, maxStepTokens, Integer.MAX_VALUE, blockSize, kvCacheTokens);
        }
    }
}
