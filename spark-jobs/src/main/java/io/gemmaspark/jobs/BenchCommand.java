package io.gemmaspark.jobs;

import io.gemmaspark.jobs.bench.PretrainBench;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code gemma bench STAGE}: throughput benchmarks, one case per pipeline stage. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks: prepare | tokenizer | model | pretrain. Results are printed and written as JSON under --out.")
public final class BenchCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "STAGE", description = "prepare | tokenizer | model | pretrain")
    String stage;

    @Override
    public Integer call() throws Exception {
        String out = common.out != null ? common.out : "out/bench";
        return switch (stage) {
            case "pretrain" -> new PretrainBench(common, out).call();
            case "prepare", "tokenizer", "model" -> {
                System.err.println("bench " + stage + ": not available yet");
                yield 2;
            }
            default -> throw new io.gemmaspark.util.UserError("bench: unknown stage '" + stage
                    + "' (expected prepare, tokenizer, model or pretrain)");
        };
    }
}
