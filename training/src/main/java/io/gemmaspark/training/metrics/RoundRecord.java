package io.gemmaspark.training.metrics;

/** One line of a fine-tuning trainer's {@code metrics.jsonl}: the figures after one step or round. */
public interface RoundRecord {
    /** Rounds completed, this one included (1-based): what a resume truncates the log to. */
    long round();

    /** The progress line's note. */
    String describe();
}
