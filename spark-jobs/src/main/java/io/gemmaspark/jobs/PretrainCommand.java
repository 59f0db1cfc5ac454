package io.gemmaspark.jobs;

import io.gemmaspark.training.MemoryPlan;
import io.gemmaspark.training.SparkPretrainer;
import io.gemmaspark.training.config.PretrainConfig;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code gemma pretrain}: parameter-averaging pretraining from token shards (conf/pretrain/*.yaml). */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = "Pretrain a Gemma decoder with DL4J parameter averaging on Spark (conf/pretrain/tiny.yaml).")
public final class PretrainCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--resume", description = "Continue from the newest intact checkpoint under --out.")
    boolean resume;

    @Option(names = "--stop-after-steps", paramLabel = "N", hidden = true,
            description = "Checkpoint and stop after N steps of this invocation (tests, interrupted-run drills).")
    long stopAfterSteps = Long.MAX_VALUE;

    /** Runs with the given options, resuming an interrupted demo run when one exists. */
    public static int forDemo(CommonOptions options) {
        PretrainCommand command = new PretrainCommand();
        command.common = options;
        command.resume = true;
        return command.call();
    }

    @Override
    public Integer call() {
        PretrainConfig config = PretrainConfig.load(common.confOr("pretrain/tiny"), common.overrides);
        String out = common.out != null ? common.out : "out/pretrain";
        try (SparkSession spark = SparkSupport.session("pretrain", common)) {
            SparkPretrainer.Result result = new SparkPretrainer(config, spark, out, SparkSupport.workDir().toString())
                    .stopAfterSteps(stopAfterSteps).run(resume);
            printSummary(config, result);
        }
        return 0;
    }

    static void printSummary(PretrainConfig config, SparkPretrainer.Result result) {
        System.out.printf(Locale.ROOT, "pretrain: %s%n", result.steps() == config.totalSteps() ? "complete" : "stopped");
        System.out.printf(Locale.ROOT, "  model        %s (%s), seq_len %d%n", config.model(), config.architecture(),
                config.seqLen());
        System.out.printf(Locale.ROOT, "  parallelism  %d workers x %d sequences, averaging every %d minibatches"
                        + " = %,d tokens/step%n", config.spark().workers(), config.spark().batchSizePerWorker(),
                config.spark().averagingFrequency(), config.tokensPerStep());
        System.out.printf(Locale.ROOT, "  steps        %d of %d%s, %,d tokens seen%n", result.steps(), config.totalSteps(),
                result.resumed() ? " (resumed)" : "", result.tokensSeen());
        result.rowsByStageComponent().forEach((stage, rows) -> System.out.printf(Locale.ROOT,
                "  stage %-8s rows per mixture component %s%n", stage, rows));
        System.out.printf(Locale.ROOT, "  loss         train %.4f, held-out %s nats/token%n", result.finalLoss(),
                result.finalValidationLoss() == null ? "-" : String.format(Locale.ROOT, "%.4f", result.finalValidationLoss()));
        System.out.printf(Locale.ROOT, "  throughput   %,.0f tokens/s%n", result.tokensPerSecond());
        System.out.printf(Locale.ROOT, "  memory       %s per worker (budget %s)%n",
                MemoryPlan.bytes(result.memory().totalBytes()), MemoryPlan.bytes(result.memory().budgetBytes()));
        System.out.println("  checkpoint   " + result.checkpoint());
        System.out.println("  metrics      " + result.metricsFile());
        System.out.println("  loss curve   " + result.plotFile());
    }
}
