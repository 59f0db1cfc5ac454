package io.gemmaspark.jobs.batch;

import java.io.Serializable;

/**
 * One request of the batch, tokenized on the driver.
 *
 * @param id        the input's id, carried to the output
 * @param promptIds BOS and the prompt's (or rendered chat's) tokens
 * @param maxTokens new tokens at most, already capped by the context
 * @param seed      this request's sampling seed (from the job seed and the id)
 */
record PromptRow(String id, int[] promptIds, int maxTokens, long seed) implements Serializable {
}
