package io.gemmaspark.training.config;

import io.gemmaspark.config.ConfigLoader;
import io.gemmaspark.config.Default;
import io.gemmaspark.config.Range;
import java.util.List;

/**
 * A supervised fine-tuning run ({@code conf/sft/*.yaml}); every {@code bin/gemma sft} option is one of these keys.
 *
 * <p>One <b>step</b> is one parameter-averaging round, as in pretraining: every worker fits
 * {@code averaging_frequency} minibatches of {@code batch_size_per_worker} rows, then the driver averages.
 *
 * @param model        the checkpoint to fine-tune: a native checkpoint, a checkpoint store (its latest valid one)
 *                     or an HF directory; its tokenizer.model is used and copied into every checkpoint
 * @param data         training conversations, JSONL (messages or prompt/completion), any Hadoop path or glob
 * @param evalData     held-out conversations, same shapes: loss and greedy exact match are measured on them
 * @param seqLen       tokens per row; a row holds {@code seq_len + 1} tokens, a longer conversation is dropped
 * @param packing      several conversations per row, kept apart by segment ids (block-diagonal attention,
 *                     RoPE positions restarting per conversation)
 * @param strict       fail on the first bad record instead of counting and skipping it
 * @param steps        averaging rounds to run; the data is cycled in a new seeded order every epoch
 * @param validation   held-out evaluation: every {@code every_steps} steps and at the end
 */
public record SftConfig(
        String model,
        String data,
        String evalData,
        @Range(min = 2) int seqLen,
        @Default("false") boolean packing,
        @Default("false") boolean strict,
        @Default("42") long seed,
        @Range(min = 1) int steps,
        SparkTrainingConfig spark,
        OptimizerConfig optimizer,
        CheckpointConfig checkpoint,
        @Default("{}") SftValidationConfig validation) {

    /**
     * @param everySteps   held-out loss (and exact match) interval in steps
     * @param maxExamples  held-out conversations used for exact match (greedy generation is the slow part)
     * @param maxNewTokens generation budget per held-out prompt; generation stops at {@code <end_of_turn>}
     */
    public record SftValidationConfig(
            @Range(min = 1) @Default("10") int everySteps,
            @Range(min = 1) @Default("64") int maxExamples,
            @Range(min = 1) @Default("48") int maxNewTokens) {
    }

    public static SftConfig load(String reference, List<String> overrides) {
        return ConfigLoader.load(reference, SftConfig.class, overrides);
    }

    public long rowsPerStep() {
        return (long) spark.workers() * spark.batchSizePerWorker() * spark.averagingFrequency();
    }
}
