package io.gemmaspark.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.gemmaspark.jobs.bench.SyntheticCorpus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
        Path configuredOut = dir.resolve("configured-out");
        Path demoConf = Files.writeString(dir.resolve("demo.yaml"), String.join("\n",
                "out: " + configuredOut,
                "master: local[2]",
                "inputs: [" + corpus + "]",
                "filters: filters/default",
                "model: models/tiny",
                "tokenizer: " + tokenizer,
                "tokenize: " + tokenize,
                "pretrain: " + pretrain, ""));

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
        assertFalse(Files.exists(configuredOut), "nothing written under the configuration's out when --out is given");
    }
}
