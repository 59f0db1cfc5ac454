package io.gemmaspark.training.config;

import io.gemmaspark.config.Default;
import io.gemmaspark.config.Range;

/**
 * Rows of the token shards whose {@code stage} and {@code source} match (either may be {@code "*"}), drawn with
 * this relative weight. A component smaller than its share of the stage budget is repeated (a new seeded
 * order per repetition) rather than silently under-represented.
 */
public record MixtureComponent(
        @Default("'*'") String quality,
        @Default("'*'") String source,
        @Range(min = 0) double weight) {

    public MixtureComponent {
        if (!(weight > 0)) {
            throw new IllegalArgumentException("mixture weight must be > 0, got " + weight);
        }
    }

    public String describe() {
        return "stage=" + quality + ",source=" + source;
    }
}
