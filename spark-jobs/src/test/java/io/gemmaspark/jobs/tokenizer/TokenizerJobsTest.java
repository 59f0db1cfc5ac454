package io.gemmaspark.jobs.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.gemmaspark.jobs.CommonOptions;
import io.gemmaspark.jobs.SparkSupport;
import io.gemmaspark.model.tokenizer.Tokenizer;
import io.gemmaspark.model.tokenizer.TokenizerFiles;
import io.gemmaspark.model.tokenizer.TokenizerTrainingConfig;
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
        String corpus = Files.readString(Path.of("../model/src/test/resources/tokenizer/corpus/licenses.txt"),
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

    @Test
    void trainsATokenizerAndPacksTokenShards() throws Exception {
        TokenizerTrainingConfig config = TokenizerTrainingConfig.gemma(700);
        String tokenizerDir = dir.resolve("tokenizer").toString();
        TokenizerTrainJob.Summary trained = TokenizerTrainJob.run(spark, config, List.of(cleanDocs), tokenizerDir, false);
        assertEquals(700, trained.vocabSize());
        assertTrue(Files.exists(Path.of(tokenizerDir, "_SUCCESS")));
        List<String> vocab = Files.readAllLines(Path.of(tokenizerDir, TokenizerTrainJob.VOCAB_FILE));
        assertEquals(700, vocab.size());
        assertEquals("<pad>\t0", vocab.get(0));
        assertEquals("<start_of_turn>\t0", vocab.get(4));
        Tokenizer tokenizer = TokenizerFiles.load(tokenizerDir + "/" + TokenizerTrainJob.MODEL_FILE);
        assertTrue(trained.sampleBytesPerToken() > 2, TokenizerTrainJob.describe(trained));

        TokenizeConfig packing = new TokenizeConfig(64, 7, 3);
        String shards = dir.resolve("tokens").toString();
        TokenizeJob.Summary summary = TokenizeJob.run(spark, packing, List.of(cleanDocs),
                tokenizerDir + "/" + TokenizerTrainJob.MODEL_FILE, shards, false);
        System.out.println(TokenizeJob.describe(summary));

        long expectedTokens = texts.stream().mapToLong(t -> tokenizer.encodeLossless(t, true, true).length).sum();
        assertEquals(expectedTokens, summary.tokens());
        JsonNode manifest = Json.MAPPER.readTree(Path.of(shards, "manifest.json").toFile());
        assertEquals(expectedTokens, manifest.path("total").path("tokens").asLong());
        assertEquals(texts.size(), manifest.path("total").path("documents").asLong());
        assertTrue(manifest.path("stages").has("anneal") && manifest.path("stages").has("pretrain"));

        Map<String, Long> rowsByGroup = new HashMap<>();
        long bos = 0;
        for (String stage : List.of("anneal", "pretrain")) {
            List<Row> rows = spark.read().parquet(shards + "/" + stage).collectAsList();
            for (Row row : rows) {
                List<Integer> tokens = row.getList(0);
                assertEquals(65, tokens.size());
                assertEquals(stage, row.getString(1));
                rowsByGroup.merge(stage + "/" + row.getString(2), 1L, Long::sum);
                bos += tokens.stream().filter(t -> t == tokenizer.bosId()).count();
            }
        }
        for (TokenizeJob.GroupStats g : summary.groups()) {
            assertEquals(g.rows(), rowsByGroup.get(g.stage() + "/" + g.source()));
            assertEquals(g.tokens(), g.rows() * 65 + g.droppedTokens());
            assertTrue(g.droppedTokens() < 3 * 65, "at most one partial row per partition is dropped");
        }
        assertTrue(bos > texts.size() / 2, "documents start with <bos>");

        // same seed, same shards
        String again = dir.resolve("tokens-again").toString();
        TokenizeJob.run(spark, packing, List.of(cleanDocs), tokenizerDir + "/" + TokenizerTrainJob.MODEL_FILE, again,
                false);
        List<Row> first = rowsInFileOrder(Path.of(shards, "pretrain"));
        List<Row> second = rowsInFileOrder(Path.of(again, "pretrain"));
        assertEquals(first.size(), second.size());
        for (int i = 0; i < first.size(); i++) {
            assertArrayEquals(first.get(i).getList(0).toArray(), second.get(i).getList(0).toArray());
        }
    }

    @Test
    void demoStageTrainsAndTokenizesTheCleanDocuments() throws Exception {
        Path conf = dir.resolve("tokenizer-demo.yaml");
        Files.writeString(conf, "vocab_size: 600\n");
        Path packing = dir.resolve("tokenize-demo.yaml");
        Files.writeString(packing, "seq_len: 32\nseed: 1\npartitions: 2\n");
        io.gemmaspark.jobs.demo.DemoConfig demo = new io.gemmaspark.jobs.demo.DemoConfig(dir.resolve("demo").toString(),
                "local[2]", List.of("data/sample"), "filters/default", "models/tiny", conf.toString(),
                packing.toString());
        io.gemmaspark.jobs.demo.TokenizerStage.Outputs outputs =
                io.gemmaspark.jobs.demo.TokenizerStage.run(spark, demo, cleanDocs);
        assertEquals(600, outputs.vocabSize());
        assertTrue(Files.exists(Path.of(dir.toString(), "demo", "tokenizer", "_SUCCESS")));
        assertTrue(Files.exists(Path.of(dir.toString(), "demo", "tokens", "_SUCCESS")));
        assertEquals(33, spark.read().parquet(outputs.tokens() + "/pretrain").first().getList(0).size());
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
