package io.gemmaspark.jobs;

import io.gemmaspark.training.config.RewardConfig;
import io.gemmaspark.training.reward.SparkRewardTrainer;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code gemma reward-train}: a Bradley–Terry reward model on preference pairs (conf/reward/*.yaml). */
@Command(name = "reward-train", mixinStandardHelpOptions = true,
        description = "Train a Bradley-Terry reward model (Gemma backbone + score.weight head) on preference pairs "
                + "(conf/reward/tiny.yaml); --model is the backbone, usually the SFT checkpoint. Every option is also "
                + "a key of that file.")
public final class RewardTrainCommand implements Callable<Integer> {
    @Mixin
    FineTuneOptions fineTune;

    @Mixin
    FineTuneDataOptions input;

    @Override
    public Integer call() {
        RewardConfig config = RewardConfig.load(fineTune.conf("reward/tiny"), fineTune.overrides(input.settings()));
        String out = fineTune.out("out/reward");
        try (SparkSession spark = SparkSupport.session("reward-train", fineTune.common)) {
            SparkRewardTrainer.Result r = new SparkRewardTrainer(config, spark, out,
                    SparkSupport.workDir().toString()).run(fineTune.resume);
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
