package io.gemmaspark.jobs;

import io.gemmaspark.jobs.bench.PrepareBench;
import io.gemmaspark.jobs.bench.TokenizerBench;
import io.gemmaspark.jobs.bench.CheckpointBench;
import io.gemmaspark.jobs.bench.ModelBench;
import io.gemmaspark.jobs.bench.PretrainBench;
import io.gemmaspark.util.UserError;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code bin/gemma bench STAGE}: speed and quality figures of one stage beside its reference implementation. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks: prepare, tokenizer, model, checkpoint, pretrain.")
public final class BenchCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Mixin
    PrepareBench.Options prepare;

    @Mixin
    TokenizerBench.Options tokenizer;

    @Mixin
    ModelBench.Options model;

    @Mixin
    CheckpointBench.Options checkpoint;

    @Parameters(index = "0", paramLabel = "STAGE", description = "prepare | tokenizer | model | checkpoint | pretrain")
    String stage;

    @Override
    public Integer call() throws Exception {
        return switch (stage) {
            case "prepare" -> PrepareBench.run(common, prepare);
            case "tokenizer" -> TokenizerBench.run(common, tokenizer);
            case "model" -> ModelBench.run(common, model);
            case "checkpoint" -> CheckpointBench.run(common, checkpoint);
            case "pretrain" -> new PretrainBench(common, common.out != null ? common.out : "out/bench").call();
            default -> throw new UserError("bench: unknown or unavailable stage '" + stage
                    + "' (stages: prepare, tokenizer, model, checkpoint, pretrain)");
        };
    }
}
