package io.gemmaspark.training.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.training.TestSpark;
import io.gemmaspark.training.config.RewardConfig;
import io.gemmaspark.training.config.SftConfig;
import io.gemmaspark.training.reward.SparkRewardTrainer;
import io.gemmaspark.training.sft.BaseCheckpoints;
import io.gemmaspark.training.sft.SparkSft;
import io.gemmaspark.util.UserError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --resume} of SFT and reward training is exact: a run interrupted after its step-2 checkpoint and resumed
 * ends with the same parameter and Adam-state bytes, and the same per-step losses, as the run that was never
 * interrupted. The interruption is made by removing the last checkpoint (and the summary) of a finished run, which
 * leaves exactly what a crash between the two checkpoints would.
 */
class FineTuneResumeTest {
    @TempDir
    Path tmp;

    @Test
    void sftAndRewardTrainingResumeExactly() throws Exception {
        String base = BaseCheckpoints.create(tmp.resolve("base"));
        try (SparkSession spark = TestSpark.session(tmp)) {
            String work = tmp.resolve("work").toString();
            SftConfig sft = SftConfig.load("sft/tiny", List.of("model=" + base, "data=../data/instruct/sft-train.jsonl",
                    "eval_data=../data/instruct/sft-heldout.jsonl", "steps=4", "packing=true",
                    "spark.batch_size_per_worker=4", "spark.averaging_frequency=2", "validation.every_steps=2",
                    "validation.max_examples=4", "validation.max_new_tokens=4", "checkpoint.every_steps=2",
                    "checkpoint.keep_last=2"));
            Path whole = tmp.resolve("sft");
            new SparkSft(sft, spark, whole.toString(), work).run(false);
            assertThrows(UserError.class, () -> new SparkSft(sft, spark, whole.toString(), work).run(false),
                    "an output holding checkpoints is not overwritten without --resume");
            Path interrupted = interruptAfterStep2(whole, "sft-interrupted");
            new SparkSft(sft, spark, interrupted.toString(), work).run(true);
            assertSameEnd(whole, interrupted);

            RewardConfig reward = RewardConfig.load("reward/tiny", List.of("model=" + base,
                    "data=../data/instruct/preferences-train.jsonl",
                    "eval_data=../data/instruct/preferences-heldout.jsonl", "steps=4", "validation_every_steps=2",
                    "spark.batch_size_per_worker=4", "checkpoint.every_steps=2", "checkpoint.keep_last=2"));
            Path rewardWhole = tmp.resolve("reward");
            new SparkRewardTrainer(reward, spark, rewardWhole.toString(), work).run(false);
            Path rewardInterrupted = interruptAfterStep2(rewardWhole, "reward-interrupted");
            SparkRewardTrainer.Result resumed = new SparkRewardTrainer(reward, spark, rewardInterrupted.toString(),
                    work).run(true);
            assertSameEnd(rewardWhole, rewardInterrupted);
            // The start figures survive the restart (baseline.json), so the summary still compares start and end.
            SparkRewardTrainer.Result finished = new SparkRewardTrainer(reward, spark, rewardInterrupted.toString(),
                    work).run(true);
            assertEquals(resumed.before(), finished.before(), "a finished run resumed again returns its summary");
        }
    }

    /** A copy of a finished run as a crash after the step-2 checkpoint would leave it. */
    private Path interruptAfterStep2(Path finished, String name) throws Exception {
        Path copy = tmp.resolve(name);
        try (Stream<Path> files = Files.walk(finished)) {
            for (Path f : files.toList()) {
                Path target = copy.resolve(finished.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
        deleteTree(copy.resolve("checkpoints/step-000000004"));
        Files.writeString(copy.resolve("checkpoints/latest"), "step-000000002");
        Files.delete(copy.resolve("summary.json"));
        // Hadoop's local file system keeps a checksum beside each file; the rewritten and removed ones lose theirs.
        Files.deleteIfExists(copy.resolve("checkpoints/.latest.crc"));
        Files.deleteIfExists(copy.resolve(".summary.json.crc"));
        return copy;
    }

    private static void assertSameEnd(Path whole, Path resumed) throws Exception {
        for (String file : new String[] {"model.safetensors", "updater.safetensors"}) {
            assertArrayEquals(Files.readAllBytes(whole.resolve("checkpoints/step-000000004/" + file)),
                    Files.readAllBytes(resumed.resolve("checkpoints/step-000000004/" + file)), file);
        }
        List<String> wholeSteps = losses(whole);
        assertEquals(4, wholeSteps.size());
        assertEquals(wholeSteps, losses(resumed), "per-step losses, the resumed steps included");
        assertTrue(Files.exists(resumed.resolve("summary.json")));
    }

    /** The step and loss of each metrics line (timings differ between runs). */
    private static List<String> losses(Path run) throws Exception {
        return Files.readAllLines(run.resolve("metrics.jsonl")).stream()
                .map(line -> line.replaceAll("^.*?\"step\":(\\d+).*?\"loss\":([-0-9.eE]+).*$", "$1 $2")).toList();
    }

    private static void deleteTree(Path dir) throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
