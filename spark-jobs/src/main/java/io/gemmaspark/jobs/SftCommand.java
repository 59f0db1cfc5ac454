package io.gemmaspark.jobs;

import io.gemmaspark.jobs.FineTuneOptions.Setting;
import io.gemmaspark.training.config.SftConfig;
import io.gemmaspark.training.sft.SparkSft;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code gemma sft}: supervised fine-tuning with the Gemma chat template on Spark (conf/sft/*.yaml). */
@Command(name = "sft", mixinStandardHelpOptions = true,
        description = "Supervised fine-tuning with the Gemma chat template and a loss on model turns only "
                + "(conf/sft/tiny.yaml); every option is also a key of that file.")
public final class SftCommand implements Callable<Integer> {
    @Mixin
    FineTuneOptions fineTune;

    @Mixin
    FineTuneDataOptions input;

    @Option(names = "--packing", description = "Pack several conversations per row (key: packing).")
    boolean packing;

    @Override
    public Integer call() {
        SftConfig config = SftConfig.load(fineTune.conf("sft/tiny"),
                fineTune.overrides(input.settings(new Setting("packing", packing))));
        String out = fineTune.out("out/sft");
        try (SparkSession spark = SparkSupport.session("sft", fineTune.common)) {
            SparkSft.Result r = new SparkSft(config, spark, out, SparkSupport.workDir().toString())
                    .run(fineTune.resume);
            System.out.printf(Locale.ROOT, "sft: complete, %d steps, %,d trained tokens, %d rows%s%n", r.steps(),
                    r.trainedTokensSeen(), r.trainRows(), r.packed() ? " (packed)" : "");
            System.out.println("  train data   " + r.trainData().describe());
            System.out.println("  held-out     " + r.heldOutData().describe());
            System.out.printf(Locale.ROOT, "  held-out loss        %.4f -> %.4f nats/token%n", r.heldOutLossBefore(),
                    r.heldOutLossAfter());
            System.out.printf(Locale.ROOT, "  greedy exact match   %.3f -> %.3f (%d held-out prompts)%n",
                    r.exactMatchBefore(), r.exactMatchAfter(), r.heldOutExamples());
            r.samplesAfter().forEach(s -> System.out.println("    " + s.replace("\n", "\\n")));
            System.out.println("  checkpoint   " + r.checkpoint());
            System.out.println("  metrics      " + r.metricsFile());
            System.out.println("  loss curve   " + r.plotFile());
        }
        return 0;
    }
}
