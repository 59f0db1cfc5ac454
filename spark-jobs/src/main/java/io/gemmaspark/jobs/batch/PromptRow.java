package io.gemmaspark.jobs.batch;

import java.io.Serializable;

/**
 * One request of the batch, tokenized on the driver. A class, not a record: Spark's Kryo cannot build records.
 */
final class PromptRow implements Serializable {
    /** the input's id, carried to the output */
    final String id;
    /** BOS and the prompt's (or rendered chat's) tokens */
    final int[] promptIds;
    /** new tokens at most, already capped by the context */
    final int maxTokens;
    /** this request's sampling seed (from the job seed and the id) */
    final long seed;

    PromptRow(String id, int[] promptIds, int maxTokens, long seed) {
        this.id = id;
        this.promptIds = promptIds;
        this.maxTokens = maxTokens;
        this.seed = seed;
    }
}
