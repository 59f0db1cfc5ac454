package io.gemmaspark.serve;

import io.gemmaspark.config.Default;
import io.gemmaspark.config.Range;
import io.gemmaspark.model.generation.SchedulerSettings;

/**
 * The server's configuration ({@code conf/serve/default.yaml}).
 *
 * @param host                  address to bind; 127.0.0.1 unless the server is meant to be reachable from elsewhere
 * @param port                  TCP port; 0 picks a free one (tests)
 * @param apiKeyEnv             environment variable holding the API key; unset or empty means no key is checked
 * @param maxBodyBytes          larger request bodies are refused with 413
 * @param maxTokensLimit        max_tokens is capped at this (and at the room the context leaves)
 * @param defaultMaxTokens      max_tokens of a chat request that gives none
 * @param maxN                  most choices a request may ask for
 * @param requestTimeoutSeconds a request running longer is cancelled
 * @param workerThreads         HTTP worker threads (each open request holds one)
 * @param blasThreads           threads of each matrix product; 0 means one per core (bin/gemma sets
 *                              OMP_NUM_THREADS=1 for ND4J's own loops, which would leave BLAS on one core)
 * @param packedWeightsMb       heap for the decode kernel's packed copy of the weights; a model needing more
 *                              decodes from the weights as given (see BatchedDecoder)
 * @param scheduler             continuous batching limits
 */
public record ServeSettings(
        @Default("127.0.0.1") String host,
        @Default("8080") @Range(min = 0, max = 65535) int port,
        @Default("GEMMA_API_KEY") String apiKeyEnv,
        @Default("1048576") @Range(min = 1024) int maxBodyBytes,
        @Default("2048") @Range(min = 1) int maxTokensLimit,
        @Default("256") @Range(min = 1) int defaultMaxTokens,
        @Default("4") @Range(min = 1, max = 128) int maxN,
        @Default("300") @Range(min = 1) int requestTimeoutSeconds,
        @Default("128") @Range(min = 2) int workerThreads,
        @Default("0") @Range(min = 0) int blasThreads,
        @Default("2048") @Range(min = 0) int packedWeightsMb,
        Scheduler scheduler) {

    /** See {@link SchedulerSettings}. */
    public record Scheduler(@Default("16") @Range(min = 1) int maxRunning,
                            @Default("512") @Range(min = 1) int maxStepTokens,
                            @Default("64") @Range(min = 0) int maxWaiting,
                            @Default("16") @Range(min = 1) int blockSize,
                            @Default("32768") @Range(min = 1) int kvCacheTokens) {
        public SchedulerSettings toSchedulerSettings() {
            return new SchedulerSettings(maxRunning, maxStepTokens, maxWaiting, blockSize, kvCacheTokens);
        }
    }
}
