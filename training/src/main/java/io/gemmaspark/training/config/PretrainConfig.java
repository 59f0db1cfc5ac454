package io.gemmaspark.training.config;

import io.gemmaspark.config.ConfigLoader;
import io.gemmaspark.config.Default;
import io.gemmaspark.config.Range;
import io.gemmaspark.model.GemmaConfig;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A pretraining run ({@code conf/pretrain/*.yaml}).
 *
 * <p>One <b>step</b> is one parameter-averaging round: every worker makes {@code averaging_frequency} Adam
 * updates on its own minibatches, then the driver averages parameters and Adam state. Tokens per step are
 * therefore {@code workers * batch_size_per_worker * averaging_frequency * seq_len}; checkpoints, metrics and
 * validation happen at step boundaries, the only points where the driver holds the model.
 *
 * @param model        model preset (a name under conf/ such as {@code models/tiny}, or a path)
 * @param architecture which {@code ModelFactory} builds the network (see {@code ModelFactories})
 * @param data         directory of packed token shards (docs/data-formats.md); any Hadoop path
 * @param seqLen       tokens per training window; shard rows hold {@code seq_len + 1} tokens
 * @param vocabSize    the tokenizer's vocabulary size, replacing the preset's; 0 keeps the preset's
 * @param tokenizer    optional tokenizer.model copied into every checkpoint
 * @param seed         seeds weight init, the data order and the training master; fixed for exact resume
 */
public record PretrainConfig(
        String model,
        @Default("gemma-decoder") String architecture,
        String data,
        @Range(min = 2) int seqLen,
        @Range(min = 0) @Default("0") int vocabSize,
        @Default("null") String tokenizer,
        @Default("42") long seed,
        SparkTrainingConfig spark,
        OptimizerConfig optimizer,
        CheckpointConfig checkpoint,
        @Default("{}") ValidationConfig validation,
        @Default("{}") MemoryConfig memory,
        List<StageConfig> stages) {

    public PretrainConfig {
        if (stages == null || stages.isEmpty()) {
            throw new IllegalArgumentException("stages: at least one training stage is required");
        }
        Set<String> names = new HashSet<>();
        for (StageConfig stage : stages) {
            if (!names.add(stage.name())) {
                throw new IllegalArgumentException("stages: duplicate stage name '" + stage.name() + "'");
            }
        }
    }

    /** The model shape: the preset with the tokenizer's vocabulary size. */
    public GemmaConfig modelShape() {
        return ConfigLoader.load(model, GemmaConfig.class,
                vocabSize > 0 ? List.of("vocab_size=" + vocabSize) : List.of());
    }

    public static PretrainConfig load(String reference, List<String> overrides) {
        return ConfigLoader.load(reference, PretrainConfig.class, overrides);
    }

    /** Sequences consumed by all workers in one step (one averaging round). */
    public long sequencesPerStep() {
        return (long) spark.workers() * spark.batchSizePerWorker() * spark.averagingFrequency();
    }

    public long tokensPerStep() {
        return sequencesPerStep() * seqLen;
    }

    /** Steps that stage {@code index} runs: its token budget rounded up to whole steps. */
    public long stageSteps(int index) {
        return Math.max(1, (stages.get(index).tokens() + tokensPerStep() - 1) / tokensPerStep());
    }

    public long totalSteps() {
        long total = 0;
        for (int i = 0; i < stages.size(); i++) {
            total += stageSteps(i);
        }
        return total;
    }
}
