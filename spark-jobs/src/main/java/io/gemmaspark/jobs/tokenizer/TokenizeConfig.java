package io.gemmaspark.jobs.tokenizer;

import io.gemmaspark.config.Default;
import io.gemmaspark.config.Range;

/**
 * Settings of {@code bin/gemma tokenize} ({@code conf/tokenize/*.yaml}).
 *
 * @param seqLen     tokens a model sees per row; each row holds {@code seq_len + 1} tokens (inputs and targets)
 * @param seed       seed of the document and row shuffles
 * @param partitions packing partitions (0: Spark's default parallelism); each (stage, source) group leaves at
 *                   most one partial row per partition, which is dropped and counted
 */
public record TokenizeConfig(
        @Range(min = 1, max = 1 << 20) int seqLen,
        @Default("1234") long seed,
        @Default("0") @Range(min = 0) int partitions) implements java.io.Serializable {
}
