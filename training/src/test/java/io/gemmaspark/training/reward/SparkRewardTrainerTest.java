package io.gemmaspark.training.reward;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.training.TestSpark;
import io.gemmaspark.training.config.RewardConfig;
import io.gemmaspark.training.sft.BaseCheckpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reward model end to end on local[2] with two workers, on the shipped verifiable preference set. */
class SparkRewardTrainerTest {
    @TempDir
    Path tmp;

    @Test
    void heldOutPairwiseAccuracyReachesPointEight() throws Exception {
        String base = BaseCheckpoints.create(tmp.resolve("base"));
        int steps = Integer.getInteger("reward.test.steps", 40);
        RewardConfig config = RewardConfig.load("reward/tiny", List.of("model=" + base,
                "data=../data/instruct/preferences-train.jsonl",
                "eval_data=../data/instruct/preferences-heldout.jsonl", "steps=" + steps,
                "validation_every_steps=" + steps, "checkpoint.every_steps=" + steps));
        SparkRewardTrainer.Result result;
        try (SparkSession spark = TestSpark.session(tmp)) {
            result = new SparkRewardTrainer(config, spark, tmp.resolve("out").toString(),
                    tmp.resolve("work").toString()).run(false);
        }
        System.out.println("reward figures: before " + result.before().describe() + "; after "
                + result.after().describe());
        assertTrue(result.after().accuracy() >= 0.8, "held-out pairwise accuracy " + result.after().accuracy());
        assertTrue(result.after().meanMargin() > result.before().meanMargin());
        assertTrue(Files.exists(tmp.resolve("out/loss_curve.png")));
        String safetensors = Files.list(tmp.resolve("out/checkpoints")).filter(p -> p.getFileName().toString()
                .startsWith("step-")).findFirst().orElseThrow().resolve("model.safetensors").toString();
        byte[] bytes = Files.readAllBytes(Path.of(safetensors));
        String header = new String(bytes, 0, Math.min(bytes.length, 1 << 16), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(header.contains("\"score.weight\""), "HF sequence-classification layout: score.weight");
        assertTrue(Files.readString(Path.of(safetensors).resolveSibling("config.json"))
                .contains("GemmaForSequenceClassification"));
    }
}
