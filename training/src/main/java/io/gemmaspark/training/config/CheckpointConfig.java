package io.gemmaspark.training.config;

import io.gemmaspark.config.Default;
import io.gemmaspark.config.Range;

/**
 * @param everySteps checkpoint interval in steps; a final checkpoint is always written
 * @param keepLast   complete checkpoints kept; older ones are deleted after a newer one is committed
 */
public record CheckpointConfig(
        @Range(min = 1) int everySteps,
        @Range(min = 1) @Default("3") int keepLast) {
}
