package io.gemmaspark.training.config;

import io.gemmaspark.config.Default;
import io.gemmaspark.config.Range;

/**
 * The held-out shard: rows whose seeded content hash falls in the first {@code holdout_fraction} of the hash
 * range never train and are scored every {@code every_steps} steps (and at the end).
 *
 * @param maxSequences cap on the held-out rows scored, to bound validation cost on large corpora
 */
public record ValidationConfig(
        @Range(min = 0, max = 0.5) @Default("0.02") double holdoutFraction,
        @Range(min = 1) @Default("25") int everySteps,
        @Range(min = 1) @Default("256") int maxSequences) {
}
