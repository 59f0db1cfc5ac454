package io.gemmaspark.jobs;

import io.gemmaspark.training.config.RewardConfig;
import io.gemmaspark.training.reward.SparkRewardTrainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code gemma reward-train}: a Bradley–Terry reward model on preference pairs (conf/reward/*.yaml). */
@Command(name = "reward-train", mixinStandardHelpOptions = true,
        description = "Train a Bradley-Terry reward model (Gemma backbone + score.weight head) on preference pairs "
                + "(conf/reward/tiny.yaml); every option is also a key of that file.")
public final class RewardTrainCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--model", paramLabel = "CKPT", description = "Backbone checkpoint, usually the SFT one (key: model).")
    String model;

    @Option(names = "--data", paramLabel = "PATH", description = "Preference pairs JSONL, any Hadoop path or glob (key: data).")
    String data;

    @Option(names = "--eval-data", paramLabel = "PATH", description = "Held-out pairs (key: eval_data).")
    String evalData;

    @Option(names = "--strict", description = "Fail on the first bad record instead of counting it (key: strict).")
    boolean strict;

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
        overrides.addAll(common.overrides);
        RewardConfig config = RewardConfig.load(common.confOr("reward/tiny"), overrides);
        String out = common.out != null ? common.out : "out/reward";
        try (SparkSession spark = SparkSupport.session("reward-train", common)) {
            SparkRewardTrainer.Result r = new SparkRewardTrainer(config, spark, out,
                    SparkSupport.workDir().toString()).run(resume);
            System.out.printf(Locale.ROOT, "reward-train: complete, %d steps, final train loss %.4f%n", r.steps(),
                    r.finalLoss());
            System.out.println("  train pairs  " + r.trainData().describe());
            System.out.println("  held-out     " + r.heldOutData().describe());
            System.out.println("  before       " + r.before().describe());
            System.out.println("  after        " + r.after().describe());
            System.out.println("  checkpoint   " + r.checkpoint());
            System.out.println("  metrics      " + r.metricsFile());
            System.out.println("  loss curve   " + r.plotFile());
        }
        return 0;
    }
}
