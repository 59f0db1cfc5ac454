package io.gemmaspark.jobs;

import io.gemmaspark.jobs.FineTuneOptions.Setting;
import io.gemmaspark.training.config.RlhfConfig;
import io.gemmaspark.training.rlhf.SparkRloo;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code gemma rlhf}: RLOO with a KL penalty to the SFT reference (conf/rlhf/*.yaml). */
@Command(name = "rlhf", mixinStandardHelpOptions = true,
        description = "Optimise a policy against a reward model with RLOO and a KL penalty to the SFT reference "
                + "(conf/rlhf/tiny.yaml); every option is also a key of that file.")
public final class RlhfCommand implements Callable<Integer> {
    @Mixin
    FineTuneOptions fineTune;

    @Option(names = "--policy", paramLabel = "CKPT", description = "SFT checkpoint (key: policy).")
    String policy;

    @Option(names = "--reward", paramLabel = "DIR", description = "Reward model checkpoint (key: reward).")
    String reward;

    @Option(names = "--prompts", paramLabel = "PATH", description = "Prompts JSONL (key: prompts).")
    String prompts;

    @Override
    public Integer call() {
        RlhfConfig config = RlhfConfig.load(fineTune.conf("rlhf/tiny"), fineTune.overrides(
                new Setting("policy", policy), new Setting("reward", reward), new Setting("prompts", prompts)));
        String out = fineTune.out("out/rlhf");
        try (SparkSession spark = SparkSupport.session("rlhf", fineTune.common)) {
            SparkRloo.Result r = new SparkRloo(config, spark, out, SparkSupport.workDir().toString())
                    .run(fineTune.resume);
            System.out.printf(Locale.ROOT, "rlhf: complete, %d rounds (k = %d, beta = %.3f)%n", r.rounds(), config.k(),
                    config.beta());
            System.out.printf(Locale.ROOT, "  held-out mean reward  %.3f -> %.3f (EOS rate %.2f -> %.2f)%n",
                    r.heldOutRewardBefore(), r.heldOutRewardAfter(), r.heldOutEosBefore(), r.heldOutEosAfter());
            System.out.printf(Locale.ROOT, "  max round KL          %.3f (budget %.3f: %s)%n", r.maxKl(),
                    config.klBudget(), r.withinKlBudget() ? "within" : "EXCEEDED");
            System.out.println("  prompts      " + r.promptData().describe());
            System.out.println("  checkpoint   " + r.checkpoint());
            System.out.println("  metrics      " + r.metricsFile());
            System.out.println("  curves       " + r.plotFile());
        }
        return 0;
    }
}
