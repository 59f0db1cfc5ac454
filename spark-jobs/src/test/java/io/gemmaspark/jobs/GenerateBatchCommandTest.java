package io.gemmaspark.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** generate-batch end to end on local[1] and local[2] with a tiny random model and a trained tokenizer. */
class GenerateBatchCommandTest {
    @TempDir
    Path tmp;

    @Test
    void oneRowPerPromptIdenticalForOneAndTwoWorkersAndRerunsSkipFinishedPartitions() throws Exception {
        Path model = TinyModelDir.create(tmp);
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
