package io.gemmaspark.jobs.demo;

import io.gemmaspark.jobs.CommonOptions;
import io.gemmaspark.jobs.SparkSupport;
import io.gemmaspark.training.HadoopPaths;
import io.gemmaspark.training.config.RewardConfig;
import io.gemmaspark.training.config.RlhfConfig;
import io.gemmaspark.training.config.SftConfig;
import io.gemmaspark.training.reward.SparkRewardTrainer;
import io.gemmaspark.training.rlhf.CheckpointComparison;
import io.gemmaspark.training.rlhf.SparkRloo;
import io.gemmaspark.training.sft.SparkSft;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * The demo's instruction-tuning stages on the shipped sets (data/instruct/): SFT from the demo's pretrained
 * checkpoint into {@code <out>/sft}, the reward model on the SFT checkpoint into {@code <out>/reward}, RLOO from
 * the SFT policy into {@code <out>/rlhf}; then held-out exact match and reward of the pretrained, SFT and RLHF
 * checkpoints side by side. Each stage resumes an interrupted run (a finished one is left as it is).
 *
 * <p>The pretrained model has read the demo corpus and the SFT training conversations as plain text
 * ({@link InstructMix}), but never the chat template's turn markers or {@code <end_of_turn>}: SFT teaches it the
 * format and the stop on top of what pretraining learnt; the "pretrained" row is that starting point, not a chat
 * model.
 */
public final class InstructStage {
    private InstructStage() {
    }

    /** Returns the exit status; skips (0) with a note when pretraining left no checkpoint. */
    public static int run(DemoConfig demo, CommonOptions common) {
        String pretrained = demo.out() + "/pretrain/checkpoints";
        String sftOut = demo.out() + "/sft";
        String rewardOut = demo.out() + "/reward";
        String rlhfOut = demo.out() + "/rlhf";
        try (SparkSession spark = SparkSupport.session("demo-instruct", common)) {
            if (!HadoopPaths.exists(pretrained + "/latest", spark.sparkContext().hadoopConfiguration())) {
                System.out.println("demo: instruction tuning skipped: no pretrained checkpoint under " + pretrained);
                return 0;
            }
            String work = SparkSupport.workDir().toString();
            SftConfig sft = SftConfig.load(demo.sft(), List.of("model=" + pretrained));
            new SparkSft(sft, spark, sftOut, work).run(true);
            RewardConfig reward = RewardConfig.load(demo.reward(), List.of("model=" + sftOut + "/checkpoints"));
            new SparkRewardTrainer(reward, spark, rewardOut, work).run(true);
            RlhfConfig rlhf = RlhfConfig.load(demo.rlhf(), List.of("policy=" + sftOut + "/checkpoints",
                    "reward=" + rewardOut + "/checkpoints"));
            new SparkRloo(rlhf, spark, rlhfOut, work).run(true);

            Map<String, String> stages = new LinkedHashMap<>();
            stages.put("pretrained", pretrained);
            stages.put("sft", sftOut + "/checkpoints");
            stages.put("rlhf", rlhfOut + "/checkpoints");
            List<CheckpointComparison.Row> rows = CheckpointComparison.measure(spark, stages,
                    new CheckpointComparison.HeldOut(sft.evalData(), sft.seqLen(), sft.validation().maxNewTokens(),
                            rlhf.evalPrompts(), rlhf.seqLen(), rlhf.maxCompletionTokens(), rewardOut + "/checkpoints",
                            rlhf.spark().workers()));
            System.out.println("demo: instruction tuning on held-out prompts (exact match: " + sft.evalData()
                    + "; reward of greedy replies: " + rlhf.evalPrompts() + ", reward model " + rewardOut + ")");
            System.out.print(CheckpointComparison.table(rows));
            System.out.println("demo: chat with the RLHF checkpoint: bin/gemma generate --model " + rlhfOut
                    + "/checkpoints --chat --prompt \"Repeat the word: apple\"");
        }
        return 0;
    }
}
