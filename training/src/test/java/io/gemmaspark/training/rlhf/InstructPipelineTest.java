package io.gemmaspark.training.rlhf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.training.TestSpark;
import io.gemmaspark.training.config.RewardConfig;
import io.gemmaspark.training.config.RlhfConfig;
import io.gemmaspark.training.config.SftConfig;
import io.gemmaspark.training.reward.SparkRewardTrainer;
import io.gemmaspark.training.sft.BaseCheckpoints;
import io.gemmaspark.training.sft.SparkSft;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * SFT, then the reward model, then RLOO, on the shipped sets with local[2] and two workers (and round 1 again with
 * one worker), from a randomly
 * initialised small Gemma ("pretrained" here). Prints the figures side by side. Output under
 * {@code -Dpipeline.out} (default: a fresh temporary directory).
 */
class InstructPipelineTest {

    @Test
    void sftThenRewardModelThenRlooOnTheShippedSets() throws Exception {
        Path root = Path.of(System.getProperty("pipeline.out", Files.createTempDirectory("instruct").toString()));
        String base = BaseCheckpoints.create(root.resolve("base"));
        int sftSteps = Integer.getInteger("pipeline.sft.steps", 8);
        int rewardSteps = Integer.getInteger("pipeline.reward.steps", 4);
        int rounds = Integer.getInteger("pipeline.rounds", 3);
        try (SparkSession spark = TestSpark.session(root)) {
            SparkSft.Result sft = new SparkSft(SftConfig.load("sft/tiny", List.of("model=" + base,
                    "data=../data/instruct/sft-train.jsonl", "eval_data=../data/instruct/sft-heldout.jsonl",
                    "steps=" + sftSteps, "packing=true", "spark.batch_size_per_worker=8",
                    "spark.averaging_frequency=2", "validation.every_steps=" + sftSteps,
                    "validation.max_new_tokens=16", "checkpoint.every_steps=" + sftSteps, "optimizer.peak_lr=5e-3",
                    "optimizer.min_lr=5e-4")), spark, root.resolve("sft").toString(),
                    root.resolve("work").toString()).run(false);
            SparkRewardTrainer.Result reward = new SparkRewardTrainer(RewardConfig.load("reward/tiny", List.of(
                    "model=" + root.resolve("sft/checkpoints"), "data=../data/instruct/preferences-train.jsonl",
                    "eval_data=../data/instruct/preferences-heldout.jsonl", "steps=" + rewardSteps,
                    "validation_every_steps=" + rewardSteps, "checkpoint.every_steps=" + rewardSteps)), spark,
                    root.resolve("reward").toString(), root.resolve("work").toString()).run(false);
            RlhfConfig rlhfConfig = RlhfConfig.load("rlhf/tiny", List.of(
                    "policy=" + root.resolve("sft/checkpoints"), "reward=" + root.resolve("reward/checkpoints"),
                    "prompts=../data/instruct/rlhf-prompts.jsonl",
                    "eval_prompts=../data/instruct/rlhf-prompts-heldout.jsonl", "rounds=" + rounds));
            SparkRloo.Result rlhf = new SparkRloo(rlhfConfig, spark, root.resolve("rlhf").toString(),
                    root.resolve("work").toString()).run(false);
            // Same seed, same workers: the same run, round for round.
            SparkRloo.Result again = new SparkRloo(rlhfConfig, spark, root.resolve("rlhf-again").toString(),
                    root.resolve("work").toString()).run(false);
            for (int r = 0; r < rounds; r++) {
                RoundMetrics a = rlhf.history().get(r);
                RoundMetrics b = again.history().get(r);
                assertEquals(a.rewardMean(), b.rewardMean(), 0.0, "round " + (r + 1) + " reward");
                assertEquals(a.kl(), b.kl(), 0.0, "round " + (r + 1) + " KL");
                assertEquals(a.loss(), b.loss(), 0.0, "round " + (r + 1) + " loss");
            }
            assertEquals(rlhf.heldOutRewardAfter(), again.heldOutRewardAfter(), 0.0);
            // Round 1 samples before any update, each reply from a seed of (run seed, round, prompt id, sample): one
            // worker draws the replies two workers draw. Rewards may differ by the float rounding of other batch
            // shapes; lengths and EOS are functions of the tokens alone.
            SparkRloo.Result oneWorker = new SparkRloo(RlhfConfig.load("rlhf/tiny", List.of(
                    "policy=" + root.resolve("sft/checkpoints"), "reward=" + root.resolve("reward/checkpoints"),
                    "prompts=../data/instruct/rlhf-prompts.jsonl",
                    "eval_prompts=../data/instruct/rlhf-prompts-heldout.jsonl", "rounds=1", "spark.workers=1",
                    "spark.averaging_frequency=4")), spark, root.resolve("rlhf-one-worker").toString(),
                    root.resolve("work").toString()).run(false);
            RoundMetrics twoWorkersRound1 = rlhf.history().get(0);
            RoundMetrics oneWorkerRound1 = oneWorker.history().get(0);
            assertEquals(twoWorkersRound1.length(), oneWorkerRound1.length(), 0.0, "round 1 mean reply length");
            assertEquals(twoWorkersRound1.eosRate(), oneWorkerRound1.eosRate(), 0.0, "round 1 EOS rate");
            assertEquals(twoWorkersRound1.rewardMean(), oneWorkerRound1.rewardMean(), 1e-4, "round 1 reward");
            assertEquals(twoWorkersRound1.rewardStd(), oneWorkerRound1.rewardStd(), 1e-4, "round 1 reward spread");

            System.out.printf("PIPELINE sft: held-out loss %.4f -> %.4f, exact match %.3f -> %.3f (%d prompts)%n",
                    sft.heldOutLossBefore(), sft.heldOutLossAfter(), sft.exactMatchBefore(), sft.exactMatchAfter(),
                    sft.heldOutExamples());
            System.out.println("PIPELINE reward: before " + reward.before().describe() + "; after "
                    + reward.after().describe());
            System.out.printf("PIPELINE rlhf: held-out reward %.3f -> %.3f, EOS %.2f -> %.2f, max KL %.3f%n",
                    rlhf.heldOutRewardBefore(), rlhf.heldOutRewardAfter(), rlhf.heldOutEosBefore(),
                    rlhf.heldOutEosAfter(), rlhf.maxKl());
            rlhf.history().forEach(m -> System.out.println("PIPELINE round " + m.round() + ": " + m.describe()));

            assertEquals(rounds, rlhf.history().size());
            // Round 1 samples before any update: the policy is the reference, so the KL estimate is 0.
            assertEquals(0.0, rlhf.history().get(0).kl(), 1e-3);
            assertTrue(Files.exists(root.resolve("rlhf/rlhf_curves.png")));
            assertEquals(rounds, Files.readAllLines(root.resolve("rlhf/metrics.jsonl")).size());
        }
    }
}
