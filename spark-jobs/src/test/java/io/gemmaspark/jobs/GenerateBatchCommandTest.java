package io.gemmaspark.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.model.GemmaConfig;
import io.gemmaspark.model.GemmaWeights;
import io.gemmaspark.model.checkpoint.HfCheckpoint;
import io.gemmaspark.model.checkpoint.HfConfigJson;
import io.gemmaspark.model.checkpoint.TensorDtype;
import io.gemmaspark.model.tokenizer.BpeTrainer;
import io.gemmaspark.model.tokenizer.TokenizerTrainingConfig;
import io.gemmaspark.model.tokenizer.TrainingText;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

/** generate-batch end to end on local[1] and local[2] with a tiny random model and a trained tokenizer. */
class GenerateBatchCommandTest {
    @TempDir
    Path tmp;

    /** A random model with a 300-piece tokenizer, in HF layout. */
    private Path tinyModel() throws Exception {
        TokenizerTrainingConfig config = TokenizerTrainingConfig.gemma(300);
        TrainingText text = new TrainingText(config);
        Map<String, Long> counts = new HashMap<>();
        for (int i = 0; i < 10; i++) {
            text.words("spark executors decode many prompts together", w -> counts.merge(w, 1L, Long::sum));
        }
        BpeTrainer.Result tokenizer = new BpeTrainer(config).train(counts);
        Path tokenizerFile = tmp.resolve("tokenizer.model");
        Files.write(tokenizerFile, tokenizer.proto().toByteArray());
        GemmaConfig shape = new GemmaConfig("batch-tiny", tokenizer.tokenizer().vocabSize(), 32, 2, 2, 1, 16, 64, 128,
                10000, 1e-6);
        GemmaWeights weights = GemmaWeights.allocate(shape);
        Nd4j.getRandom().setSeed(5);
        weights.flat().assign(Nd4j.randn(weights.flat().dataType(), weights.flat().length()).muli(0.2));
        Path dir = tmp.resolve("model");
        Files.createDirectories(dir);
        HfCheckpoint.write(ModelCommandsTest.hadoop(dir), weights, HfConfigJson.ModelConfig.withGemmaTokens(shape),
                TensorDtype.F32, ModelCommandsTest.hadoop(tokenizerFile), new Configuration());
        return dir;
    }

    @Test
    void oneRowPerPromptIdenticalForOneAndTwoWorkersAndRerunsSkipFinishedPartitions() throws Exception {
        Path model = tinyModel();
        Path input = tmp.resolve("prompts.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            lines.add(i % 2 == 0
                    ? "{\"id\":\"r" + i + "\",\"prompt\":\"spark prompt " + i + "\"}"
                    : "{\"id\":" + i + ",\"messages\":[{\"role\":\"user\",\"content\":\"decode " + i + "\"}]}");
        }
        lines.add(100, "{not json");
        lines.add(200, "{\"prompt\":\"no id\"}");
        lines.add(300, "{\"id\":\"x\",\"messages\":[{\"role\":\"assistant\",\"content\":\"bad order\"}]}");
        Files.write(input, lines);

        String[] sampling = {"--set", "max_tokens=6", "--set", "temperature=0.9", "--set", "seed=17",
            "--set", "partitions=4"};
        CliTest.Result one = run(model, input, tmp.resolve("one"), "local[1]", sampling);
        assertEquals(0, one.status(), one.err());
        assertTrue(one.out().contains("1000 completions in 4 partitions (0 already complete), 3 bad rows"), one.out());
        assertTrue(one.out().contains("prompts.jsonl:101: not JSON"), one.out());
        CliTest.Result two = run(model, input, tmp.resolve("two"), "local[2]", sampling);
        assertEquals(0, two.status(), two.err());

        Files.delete(tmp.resolve("one/part-00002.parquet"));
        CliTest.Result rerun = run(model, input, tmp.resolve("one"), "local[2]", sampling);
        assertEquals(0, rerun.status(), rerun.err());
        assertTrue(rerun.out().contains("(3 already complete)"), rerun.out());

        CliTest.Result strict = CliTest.run("generate-batch", "--model", model.toString(), "--input", input.toString(),
                "--out", tmp.resolve("strict").toString(), "--master", "local[1]", "--strict");
        assertEquals(2, strict.status());
        assertTrue(strict.err().contains("3 bad rows (--strict)"), strict.err());

        try (SparkSession spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false")
                .getOrCreate()) {
            Map<String, String> first = rows(spark, tmp.resolve("one"));
            Map<String, String> second = rows(spark, tmp.resolve("two"));
            assertEquals(1000, first.size());
            assertEquals(first, second, "1 and 2 workers (and the rerun partition) write the same rows");
        }
    }

    private static CliTest.Result run(Path model, Path input, Path out, String master, String... extra) {
        List<String> args = new ArrayList<>(List.of("generate-batch", "--model", model.toString(), "--input",
                input.toString(), "--out", out.toString(), "--master", master));
        args.addAll(List.of(extra));
        return CliTest.run(args.toArray(String[]::new));
    }

    private static Map<String, String> rows(SparkSession spark, Path dir) {
        Map<String, String> rows = new TreeMap<>();
        for (Row r : spark.read().parquet(dir.toString()).collectAsList()) {
            rows.put(r.getString(r.fieldIndex("id")), r.getString(r.fieldIndex("completion")) + "|"
                    + r.getInt(r.fieldIndex("prompt_tokens")) + "|" + r.getInt(r.fieldIndex("completion_tokens")) + "|"
                    + r.getString(r.fieldIndex("finish_reason")));
        }
        return rows;
    }
}
