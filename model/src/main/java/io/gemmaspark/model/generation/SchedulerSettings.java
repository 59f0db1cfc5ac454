package io.gemmaspark.model.generation;

/**
 * Limits of the continuous-batching scheduler (vLLM's names in brackets).
 *
 * @param maxRunning       sequences decoded together at most [max_num_seqs]
 * @param maxStepTokens    tokens fed through the decoder in one step, decode tokens and prefill chunks together
 *                         [max_num_batched_tokens]; a longer prompt is prefilled over several steps
 * @param maxWaiting       requests waiting for a running slot at most; more are refused (HTTP 429)
 * @param blockSize        token positions per KV block [block_size]
 * @param kvCacheTokens    token positions of KV memory shared by all sequences (each position holds every
 *                         layer's keys and values: {@link KvBlockPool#bytesPerPosition})
 */
public record SchedulerSettings(int maxRunning, int maxStepTokens, int maxWaiting, int blockSize,
                                int kvCacheTokens) {
    public SchedulerSettings {
        if (maxRunning < 1 || maxStepTokens < 1 || maxWaiting < 0 || blockSize < 1 || kvCacheTokens < blockSize) {
            throw new IllegalArgumentException("scheduler settings need max_running, max_step_tokens, block_size and "
                    + "kv_cache_tokens >= block_size and max_waiting >= 0, got " + this);
        }
    }

    /** Settings for offline generation: everything queued, 16 sequences at a time. */
    public static SchedulerSettings offline(int kvCacheTokens) {
        return new SchedulerSettings(16, 512, Integer.MAX_VALUE, 16, kvCacheTokens);
    }
}
