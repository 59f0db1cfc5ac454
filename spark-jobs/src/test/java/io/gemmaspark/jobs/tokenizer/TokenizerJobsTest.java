package io.gemmaspark.jobs.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.gemmaspark.jobs.CommonOptions;
import io.gemmaspark.jobs.SparkSupport;
import io.gemmaspark.jobs.demo.DemoConfig;
import io.gemmaspark.jobs.demo.TokenizerStage;
import io.gemmaspark.model.tokenizer.Tokenizer;
import io.gemmaspark.model.tokenizer.TokenizerFiles;
import io.gemmaspark.util.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tokenizer-train and tokenize on Spark local[2] over a clean-document Parquet fixture. */
class TokenizerJobsTest {
    static final StructType CLEAN_DOCS = new StructType()
            .add("id", DataTypes.StringType).add("text", DataTypes.StringType).add("source", DataTypes.StringType)
            .add("quality_score", DataTypes.DoubleType).add("stage", DataTypes.StringType)
            .add("n_chars", DataTypes.IntegerType).add("n_words", DataTypes.IntegerType);

    @TempDir
    static Path dir;
    static SparkSession spark;
    static String cleanDocs;
    static List<String> texts = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        CommonOptions options = new CommonOptions();
        options.master = "local[2]";
        spark = SparkSupport.session("tokenizer test", options);
        cleanDocs = writeCleanDocs(spark, dir.resolve("clean"), texts);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** Clean documents as prepare writes them: licence paragraphs from two sources in two stages. */
    public static String writeCleanDocs(SparkSession spark, Path out, List<String> texts) throws Exception {
        String corpus = Files.readString(Path.of("../tokenizer/src/test/resources/tokenizer/corpus/licenses.txt"),
                StandardCharsets.UTF_8);
        List<Row> rows = new ArrayList<>();
        String[] paragraphs = corpus.split("\n\n");
        for (int i = 0; i < paragraphs.length; i++) {
            String text = paragraphs[i].strip() + (i % 7 == 0 ? "\n\nΩ≈ç 😀 日本語 12345" : "");
            if (text.isEmpty()) {
                continue;
            }
            texts.add(text);
            rows.add(RowFactory.create("doc-" + i, text, i % 3 == 0 ? "licenses" : "docs", 0.9,
                    i % 4 == 0 ? "anneal" : "pretrain", text.length(), text.split("\\s+").length));
        }
        String path = out.toString();
        spark.createDataFrame(rows, CLEAN_DOCS).repartition(3).write().parquet(path);
        return path;
    }

    /**
     * The demo's tokenizer stage on the fixture: tokenizer-train, then tokenize; the shards hold every token of
     * every document in rows of seq_len + 1, the manifest's counts agree, and the same seed gives the same shards.
     */
    @Test
    void demoStageTrainsATokenizerAndPacksTokenShards() throws Exception {
        Path conf = dir.resolve("tokenizer-demo.yaml");
        Files.writeString(conf, "vocab_size: 700\n");
        Path packingConf = dir.resolve("tokenize-demo.yaml");
        Files.writeString(packingConf, "seq_len: 64\nseed: 7\npartitions: 3\n");
        DemoConfig demo = new DemoConfig(dir.resolve("demo").toString(), "local[2]", List.of("data/sample"),
                "prepare/default", "filters/default", "models/tiny", conf.toString(), packingConf.toString(), "pretrain/tiny");
        TokenizerStage.Outputs outputs = TokenizerStage.run(spark, demo, cleanDocs);

        String tokenizerDir = dir.resolve("demo/tokenizer").toString();
        assertEquals(700, outputs.vocabSize());
        assertTrue(Files.exists(Path.of(tokenizerDir, "_SUCCESS")));
        List<String> vocab = Files.readAllLines(Path.of(tokenizerDir, TokenizerTrainJob.VOCAB_FILE));
        assertEquals(700, vocab.size());
        assertEquals("<pad>\t0", vocab.get(0));
        assertEquals("<start_of_turn>\t0", vocab.get(4));
        Tokenizer tokenizer = TokenizerFiles.load(outputs.tokenizerModel());

        String shards = dir.resolve("demo/tokens").toString();
        assertTrue(Files.exists(Path.of(shards, "_SUCCESS")));
        long expectedTokens = texts.stream().mapToLong(t -> tokenizer.encodeLossless(t, true, true).length).sum();
        JsonNode manifest = Json.MAPPER.readTree(Path.of(shards, "manifest.json").toFile());
        assertEquals(expectedTokens, manifest.path("total").path("tokens").asLong());
        assertEquals(texts.size(), manifest.path("total").path("documents").asLong());
        assertTrue(manifest.path("stages").has("anneal") && manifest.path("stages").has("pretrain"));
        assertTrue(manifest.path("total").path("bytes_per_token").asDouble() > 2);

        Map<String, Long> rowsByGroup = new HashMap<>();
        long bos = 0;
        for (String stage : List.of("anneal", "pretrain")) {
            for (Row row : spark.read().parquet(shards + "/" + stage).collectAsList()) {
                List<Integer> tokens = row.getList(0);
                assertEquals(65, tokens.size());
                assertEquals(stage, row.getString(1));
                rowsByGroup.merge(stage + "/" + row.getString(2), 1L, Long::sum);
                bos += tokens.stream().filter(t -> t == tokenizer.bosId()).count();
            }
        }
        for (JsonNode g : manifest.path("groups")) {
            String group = g.path("stage").asText() + "/" + g.path("source").asText();
            assertEquals(g.path("rows").asLong(), rowsByGroup.get(group), group);
            assertEquals(g.path("tokens").asLong(), g.path("rows").asLong() * 65 + g.path("droppedTokens").asLong());
            assertTrue(g.path("droppedTokens").asLong() < 3 * 65, "at most one partial row per partition is dropped");
        }
        assertTrue(bos > texts.size() / 2, "documents start with <bos>");

        // same seed, same shards
        String again = dir.resolve("tokens-again").toString();
        TokenizeJob.run(spark, new TokenizeConfig(64, 7, 3), List.of(cleanDocs), outputs.tokenizerModel(), again,
                false);
        List<Row> first = rowsInFileOrder(Path.of(shards, "pretrain"));
        List<Row> second = rowsInFileOrder(Path.of(again, "pretrain"));
        assertEquals(first.size(), second.size());
        for (int i = 0; i < first.size(); i++) {
            assertArrayEquals(first.get(i).getList(0).toArray(), second.get(i).getList(0).toArray());
        }
    }

    /** Rows part file by part file (part-00000 first): Spark's own read order of a directory is not fixed. */
    private static List<Row> rowsInFileOrder(Path stageDir) throws Exception {
        List<Row> rows = new ArrayList<>();
        try (var files = Files.list(stageDir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".parquet")).sorted().toList()) {
                rows.addAll(spark.read().parquet(file.toString()).collectAsList());
            }
        }
        return rows;
    }
}
