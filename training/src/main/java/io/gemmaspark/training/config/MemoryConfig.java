package io.gemmaspark.training.config;

import io.gemmaspark.config.Default;

/**
 * @param workerMemory memory one worker may use for the model, e.g. {@code 16g}; {@code auto} reads it from
 *                     Spark ({@code spark.executor.memory} + overhead per task slot) or, in local mode, from
 *                     the JVM's off-heap limit shared by the local workers
 * @param enforce      refuse to start when the plan does not fit (switch off only to experiment)
 * @param activationRecompute keep only each decoder block's input in the forward pass and recompute the block's
 *                     activations in the backward pass: about a third more compute for a fraction of the memory
 */
public record MemoryConfig(
        @Default("auto") String workerMemory,
        @Default("true") boolean enforce,
        @Default("false") boolean activationRecompute) {
}
