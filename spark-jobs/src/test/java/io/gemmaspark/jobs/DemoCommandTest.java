package io.gemmaspark.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gemmaspark.jobs.bench.SyntheticCorpus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/gemma demo end to end on a small corpus: every stage writes under --out, not under the configured out. */
class DemoCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void demoWritesEveryStageUnderOut(@TempDir Path dir) throws Exception {
        Path corpus = Files.createDirectories(dir.resolve("corpus"));
        SyntheticCorpus documents = new SyntheticCorpus(3);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            lines.add(JSON.writeValueAsString(Map.of("id", "doc-" + i, "text", documents.document(i))));
        }
        Files.write(corpus.resolve("docs.jsonl"), lines);
        Path tokenizer = Files.writeString(dir.resolve("tokenizer.yaml"), "vocab_size: 400\n");
        Path tokenize = Files.writeString(dir.resolve("tokenize.yaml"), "seq_len: 64\nseed: 1\n");
        // Two steps of 2 workers x 8 sequences x 2 minibatches x 64 tokens on the tiny Gemma.
        Path pretrain = Files.writeString(dir.resolve("pretrain.yaml"), String.join("\n",
                "model: models/tiny",
                "architecture: gemma-decoder",
                "data: unused",
                "seq_len: 64",
                "spark: {workers: 2, batch_size_per_worker: 8, averaging_frequency: 2, prefetch_batches: 0}",
                "optimizer: {peak_lr: 3.0e-3, min_lr: 3.0e-4}",
                "checkpoint: {every_steps: 2, keep_last: 1}",
                "validation: {holdout_fraction: 0.05, every_steps: 2, max_sequences: 16}",
                "stages: [{name: broad, tokens: 4096, mixture: [{weight: 1}]}]", ""));
        // Instruction tuning on the shipped sets, a couple of steps each: the stage runs and prints its table.
        Path sft = Files.writeString(dir.resolve("sft.yaml"), String.join("\n",
                "data: " + Path.of("../data/instruct/sft-train.jsonl").toAbsolutePath(),
                "eval_data: " + Path.of("../data/instruct/sft-heldout.jsonl").toAbsolutePath(),
                "seq_len: 128", "packing: true", "steps: 2",
                "spark: {workers: 2, batch_size_per_worker: 4, averaging_frequency: 2, repartition: Never}",
                "optimizer: {peak_lr: 2.0e-3, min_lr: 2.0e-4}",
                "checkpoint: {every_steps: 2, keep_last: 1}",
                "validation: {every_steps: 2, max_examples: 4, max_new_tokens: 4}", ""));
        Path reward = Files.writeString(dir.resolve("reward.yaml"), String.join("\n",
                "data: " + Path.of("../data/instruct/preferences-train.jsonl").toAbsolutePath(),
                "eval_data: " + Path.of("../data/instruct/preferences-heldout.jsonl").toAbsolutePath(),
                "seq_len: 128", "steps: 2", "validation_every_steps: 2",
                "spark: {workers: 2, batch_size_per_worker: 4, averaging_frequency: 1, repartition: Never}",
                "optimizer: {peak_lr: 1.0e-3, min_lr: 1.0e-4}",
                "checkpoint: {every_steps: 2, keep_last: 1}", ""));
        Path rlhf = Files.writeString(dir.resolve("rlhf.yaml"), String.join("\n",
                "prompts: " + Path.of("../data/instruct/rlhf-prompts.jsonl").toAbsolutePath(),
                "eval_prompts: " + Path.of("../data/instruct/rlhf-prompts-heldout.jsonl").toAbsolutePath(),
                "seq_len: 128", "rounds: 1", "prompts_per_round: 2", "k: 2", "max_completion_tokens: 4",
                "spark: {workers: 2, batch_size_per_worker: 2, averaging_frequency: 1, repartition: Never}",
                "optimizer: {peak_lr: 2.0e-4, min_lr: 2.0e-4}",
                "checkpoint: {every_steps: 1, keep_last: 1}", ""));
        Path instructText = Path.of("../data/instruct/sft-train-text.jsonl").toAbsolutePath();
        Path configuredOut = dir.resolve("configured-out");
        Path demoConf = Files.writeString(dir.resolve("demo.yaml"), String.join("\n",
                "out: " + configuredOut,
                "master: local[2]",
                "inputs: [" + corpus + "]",
                "filters: filters/default",
                "model: models/tiny",
                "tokenizer: " + tokenizer,
                "tokenize: " + tokenize,
                "pretrain: " + pretrain,
                "sft: " + sft,
                "reward: " + reward,
                "rlhf: " + rlhf,
                "instruct_text: " + instructText,
                "instruct_share: 0.5",
                "instruct_tokenizer_weight: 3", ""));

        Path out = dir.resolve("cli-out");
        CliTest.Result r = CliTest.run("demo", "--conf", demoConf.toString(), "--out", out.toString());

        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(Files.exists(out.resolve("prepared/_SUCCESS")), "prepare output under --out");
        assertTrue(Files.exists(out.resolve("prepared/manifest.json")));
        assertTrue(Files.size(out.resolve("tokenizer/tokenizer.model")) > 0, "tokenizer under --out");
        assertTrue(Files.exists(out.resolve("tokens/_SUCCESS")), "token shards under --out");
        assertTrue(Files.isDirectory(out.resolve("pretrain/checkpoints")), "checkpoints under --out");
        assertTrue(Files.exists(out.resolve("evaluation/_SUCCESS")), "the evaluation report of the demo's checkpoints");
        assertTrue(r.out().contains("evaluation report at " + out.resolve("evaluation") + "/report.html"), r.out());
        assertTrue(Files.exists(out.resolve("sft/summary.json")), "SFT from the pretrained checkpoint under --out");
        assertTrue(Files.exists(out.resolve("reward/summary.json")), "the reward model under --out");
        assertTrue(Files.exists(out.resolve("rlhf/summary.json")), "RLHF under --out");
        for (String stage : new String[] {"pretrained", "sft", "rlhf"}) {
            assertTrue(r.out().lines().anyMatch(line -> line.startsWith(stage + " ") && line.contains("/")),
                    "the side-by-side table has a " + stage + " row:\n" + r.out());
        }
        // The instruction-like text: weighted in the tokenizer's corpus, packed with the clean documents, and a
        // pretraining mixture component of its own next to the configured one, read back from each stage's output.
        assertEquals(3, JSON.readTree(out.resolve("tokenizer/manifest.json").toFile())
                .at("/input_weights").path(instructText.toString()).asInt(), r.out());
        assertTrue(StreamSupport.stream(JSON.readTree(out.resolve("tokens/manifest.json").toFile()).path("groups")
                        .spliterator(), false)
                .anyMatch(g -> g.path("source").asText().equals("instruct") && g.path("documents").asInt() == 60),
                "the 60 instruct documents are packed into token shards");
        JsonNode rows = JSON.readTree(out.resolve("pretrain/summary.json").toFile()).at("/rowsByStageComponent/broad");
        assertEquals(2, rows.size(), "the configured component and the instruct one: " + rows);
        assertTrue(rows.get(1).asLong() > 0 && rows.get(0).asLong() > 0, rows.toString());
        assertFalse(Files.exists(configuredOut), "nothing written under the configuration's out when --out is given");
    }
}
