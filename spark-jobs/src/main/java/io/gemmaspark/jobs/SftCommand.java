package io.gemmaspark.jobs;

import io.gemmaspark.training.config.SftConfig;
import io.gemmaspark.training.sft.SparkSft;
import java.util.ArrayList;
import java.util.List;
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
    CommonOptions common;

    @Option(names = "--model", paramLabel = "CKPT", description = "Checkpoint to fine-tune (key: model).")
    String model;

    @Option(names = "--data", paramLabel = "PATH", description = "Training JSONL, any Hadoop path or glob (key: data).")
    String data;

    @Option(names = "--eval-data", paramLabel = "PATH", description = "Held-out JSONL (key: eval_data).")
    String evalData;

    @Option(names = "--strict", description = "Fail on the first bad record instead of counting it (key: strict).")
    boolean strict;

    @Option(names = "--packing", description = "Pack several conversations per row (key: packing).")
    boolean packing;

    @Option(names = "--resume", description = "Continue from the newest intact checkpoint under --out.")
    boolean resume;

    @Override
    public Integer call() {
        List<String> overrides = new ArrayList<>();
        if (model != null) {
            overrides.add("model=" + model);
        }
        if (data != null) {
            overrides.add("data=" + data);
        }
        if (evalData != null) {
            overrides.add("eval_data=" + evalData);
        }
        if (strict) {
            overrides.add("strict=true");
        }
        if (packing) {
            overrides.add("packing=true");
        }
        overrides.addAll(common.overrides); // --set wins
        SftConfig config = SftConfig.load(common.confOr("sft/tiny"), overrides);
        String out = common.out != null ? common.out : "out/sft";
        try (SparkSession spark = SparkSupport.session("sft", common)) {
            SparkSft.Result r = new SparkSft(config, spark, out, SparkSupport.workDir().toString()).run(resume);
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
