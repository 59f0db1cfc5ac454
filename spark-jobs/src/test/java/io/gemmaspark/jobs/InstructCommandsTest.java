package io.gemmaspark.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.gemmaspark.training.sft.BaseCheckpoints;
import io.gemmaspark.util.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sft, reward-train and rlhf through the CLI on local[2] with two workers, chained as the demo chains them; then
 * {@code generate --chat} on the RLHF checkpoint, an exact {@code rlhf --resume}, and bad prompt records counted
 * by reason (or fatal under {@code --strict}).
 */
class InstructCommandsTest {
    private static final String DATA = Path.of("../data/instruct").toAbsolutePath().toString();

    @TempDir
    Path tmp;

    @Test
    void sftRewardModelRlhfThenChatWithTheRlhfCheckpoint() throws Exception {
        String base = BaseCheckpoints.create(tmp.resolve("base"));
        Path sft = tmp.resolve("sft");
        // Enough SFT for the small model to learn the template and its stop token (SparkSftTest's setting).
        ok(CliTest.run("sft", "--master", "local[2]", "--model", base, "--data", DATA + "/sft-train.jsonl",
                "--eval-data", DATA + "/sft-heldout.jsonl", "--packing", "--out", sft.toString(), "--set", "steps=120",
                "--set", "spark.batch_size_per_worker=8", "--set", "spark.averaging_frequency=2",
                "--set", "validation.every_steps=120", "--set", "validation.max_examples=8",
                "--set", "checkpoint.every_steps=120", "--set", "optimizer.peak_lr=5e-3",
                "--set", "optimizer.min_lr=5e-4"));
        Path reward = tmp.resolve("reward");
        ok(CliTest.run("reward-train", "--master", "local[2]", "--model", sft + "/checkpoints",
                "--data", DATA + "/preferences-train.jsonl", "--eval-data", DATA + "/preferences-heldout.jsonl",
                "--out", reward.toString(), "--set", "steps=6", "--set", "validation_every_steps=6",
                "--set", "checkpoint.every_steps=6"));

        // Prompts with bad records among them: each is named, counted by reason and skipped.
        Path prompts = tmp.resolve("prompts.jsonl");
        List<String> lines = new ArrayList<>(Files.readAllLines(Path.of(DATA, "rlhf-prompts.jsonl")));
        lines.add(3, "not json");
        lines.add(5, "{\"messages\":[{\"role\":\"model\",\"content\":\"hello\"}]}");
        lines.add(7, "{\"prompt\":\"   \"}");
        lines.add(9, "{\"question\":\"What is 2 plus 2?\"}");
        Files.write(prompts, lines);
        List<String> rlhfArgs = List.of("rlhf", "--master", "local[2]", "--policy", sft + "/checkpoints",
                "--reward", reward + "/checkpoints", "--prompts", prompts.toString(),
                "--set", "eval_prompts=" + DATA + "/rlhf-prompts-heldout.jsonl", "--set", "rounds=4",
                "--set", "ppo_epochs=2", "--set", "checkpoint.every_steps=2", "--set", "checkpoint.keep_last=2");
        Path rlhf = tmp.resolve("rlhf");
        CliTest.Result run = ok(CliTest.run(with(rlhfArgs, "--out", rlhf.toString())));
        JsonNode manifest = Json.MAPPER.readTree(rlhf.resolve("summary.json").toFile()).get("promptData");
        assertEquals(lines.size(), manifest.get("read").asInt());
        assertEquals(lines.size() - 4, manifest.get("kept").asInt());
        assertEquals(1, manifest.get("dropped").get("malformed_json").asInt(), manifest.toString());
        assertEquals(1, manifest.get("dropped").get("wrong_role_order").asInt(), manifest.toString());
        assertEquals(1, manifest.get("dropped").get("empty_content").asInt(), manifest.toString());
        assertEquals(1, manifest.get("dropped").get("missing_fields").asInt(), manifest.toString());
        assertTrue(run.out().contains(prompts + ":4: malformed_json"), run.out());
        CliTest.Result strict = CliTest.run(with(rlhfArgs, "--out", tmp.resolve("strict").toString(), "--strict"));
        assertNotEquals(0, strict.status());
        assertTrue((strict.out() + strict.err()).contains(prompts + ":4: malformed_json"), strict.err());

        // Resume is exact: lose the round-4 checkpoint and the summary, resume, and end with the same bytes.
        Path interrupted = copy(rlhf, tmp.resolve("rlhf-interrupted"));
        deleteTree(interrupted.resolve("checkpoints/step-000000004"));
        Files.writeString(interrupted.resolve("checkpoints/latest"), "step-000000002");
        Files.deleteIfExists(interrupted.resolve("checkpoints/.latest.crc"));
        Files.delete(interrupted.resolve("summary.json"));
        Files.deleteIfExists(interrupted.resolve(".summary.json.crc"));
        CliTest.Result resumed = ok(CliTest.run(with(rlhfArgs, "--out", interrupted.toString(), "--resume")));
        assertTrue(resumed.out().contains("resuming from"), resumed.out());
        assertArrayEquals(Files.readAllBytes(rlhf.resolve("checkpoints/step-000000004/model.safetensors")),
                Files.readAllBytes(interrupted.resolve("checkpoints/step-000000004/model.safetensors")));
        assertEquals(rounds(rlhf), rounds(interrupted), "the resumed rounds repeat the uninterrupted ones");
        assertTrue(ok(CliTest.run(with(rlhfArgs, "--out", rlhf.toString(), "--resume"))).out()
                .contains("nothing left to do"));

        // Chat with the RLHF checkpoint: the reply is a model turn's content, ended by <end_of_turn> before the budget.
        CliTest.Result chat = ok(CliTest.run("generate", "--model", rlhf + "/checkpoints", "--chat",
                "--prompt", "Repeat the word: apple", "--max-new-tokens", "16"));
        String reply = chat.out().strip();
        assertFalse(reply.isEmpty(), chat.err());
        for (String marker : new String[] {"<start_of_turn>", "<end_of_turn>", "<bos>", "<pad>"}) {
            assertFalse(reply.contains(marker), "no template markers in the reply: " + reply);
        }
        Matcher generated = Pattern.compile("generated (\\d+) in").matcher(chat.err());
        assertTrue(generated.find(), chat.err());
        assertTrue(Integer.parseInt(generated.group(1)) < 16, "stopped at <end_of_turn>: " + reply);
    }

    private static CliTest.Result ok(CliTest.Result r) {
        assertEquals(0, r.status(), r.out() + r.err());
        return r;
    }

    private static String[] with(List<String> args, String... more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of(more));
        return all.toArray(new String[0]);
    }

    /** Each round's reward, KL and loss from metrics.jsonl (the timings differ between runs). */
    private static List<String> rounds(Path run) throws Exception {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode m = Json.MAPPER.readTree(line);
            out.add(m.get("round") + " " + m.get("rewardMean") + " " + m.get("kl") + " " + m.get("loss"));
        }
        return out;
    }

    private static Path copy(Path from, Path to) throws Exception {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
        return to;
    }

    private static void deleteTree(Path dir) throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
