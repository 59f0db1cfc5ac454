package io.gemmaspark.jobs.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.luben.zstd.ZstdOutputStream;
import io.gemmaspark.config.ConfigLoader;
import io.gemmaspark.jobs.CommonOptions;
import io.gemmaspark.jobs.SparkSupport;
import io.gemmaspark.jobs.demo.DemoConfig;
import io.gemmaspark.jobs.demo.TokenizerStage;
import io.gemmaspark.jobs.prepare.ReaderConfig;
import io.gemmaspark.model.tokenizer.BpeTrainer;
import io.gemmaspark.model.tokenizer.Tokenizer;
import io.gemmaspark.model.tokenizer.TokenizerFiles;
import io.gemmaspark.model.tokenizer.TokenizerTrainingConfig;
import io.gemmaspark.model.tokenizer.TrainingText;
import io.gemmaspark.util.Json;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
     * The demo's tokenizer stage on the fixture: tokenizer-train, then tokenize. The shards read back from disk are
     * checked against an independent tokenization of the input documents: every row is {@code seq_len + 1} tokens
     * made of pieces of input documents in their order (whole documents, a document's start, a document's end);
     * every document of a group starts in exactly one row, except the few lost in the dropped partial rows; and the
     * manifest's counts equal those recomputed from the input and from the files. The same seed gives the same
     * shards.
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

        // Independently: the input documents, read back from the fixture, tokenized here, grouped by stage/source.
        Map<String, List<int[]>> expected = new TreeMap<>();
        for (Row doc : spark.read().parquet(cleanDocs).select("text", "stage", "source").collectAsList()) {
            expected.computeIfAbsent(doc.getString(1) + "/" + doc.getString(2), g -> new ArrayList<>())
                    .add(tokenizer.encodeLossless(doc.getString(0), true, true));
        }
        assertEquals(texts.size(), expected.values().stream().mapToInt(List::size).sum());

        // Observed: the rows on disk, per group.
        String shards = dir.resolve("demo/tokens").toString();
        assertTrue(Files.exists(Path.of(shards, "_SUCCESS")));
        Map<String, List<int[]>> written = new TreeMap<>();
        for (String stage : List.of("anneal", "pretrain")) {
            for (Row row : rowsInFileOrder(Path.of(shards, stage))) {
                assertEquals(stage, row.getString(1));
                int[] tokens = row.getList(0).stream().mapToInt(t -> (Integer) t).toArray();
                assertEquals(65, tokens.length);
                written.computeIfAbsent(stage + "/" + row.getString(2), g -> new ArrayList<>()).add(tokens);
            }
        }
        assertEquals(expected.keySet(), written.keySet(), "every (stage, source) of the input has rows");

        JsonNode manifest = Json.MAPPER.readTree(Path.of(shards, "manifest.json").toFile());
        long expectedTokensInTotal = 0;
        for (JsonNode g : manifest.path("groups")) {
            String group = g.path("stage").asText() + "/" + g.path("source").asText();
            List<int[]> docs = expected.get(group);
            List<int[]> rows = written.get(group);
            long inputTokens = docs.stream().mapToLong(d -> d.length).sum();
            long diskTokens = rows.stream().mapToLong(r -> r.length).sum();
            expectedTokensInTotal += inputTokens;
            assertEquals(docs.size(), g.path("documents").asLong(), group + " documents");
            assertEquals(inputTokens, g.path("tokens").asLong(), group + " tokens");
            assertEquals(rows.size(), g.path("rows").asLong(), group + " rows");
            assertEquals(inputTokens - diskTokens, g.path("droppedTokens").asLong(), group + " dropped tokens");
            assertTrue(inputTokens - diskTokens < 3 * 65, group + ": at most one partial row per partition is dropped");
            assertRowsArePiecesOfTheDocuments(group, docs, rows, tokenizer.bosId(), tokenizer.eosId(),
                    inputTokens - diskTokens);
        }
        assertEquals(expected.size(), manifest.path("groups").size());
        assertEquals(expectedTokensInTotal, manifest.path("total").path("tokens").asLong());
        assertEquals(texts.size(), manifest.path("total").path("documents").asLong());
        assertTrue(manifest.path("stages").has("anneal") && manifest.path("stages").has("pretrain"));
        assertTrue(manifest.path("total").path("bytes_per_token").asDouble() > 2);

        // same seed, same shards
        String again = dir.resolve("tokens-again").toString();
        TokenizeJob.run(spark, new TokenizeConfig(64, 7, 3), ReaderConfig.defaults(), List.of(cleanDocs), outputs.tokenizerModel(), again,
                false);
        List<Row> first = rowsInFileOrder(Path.of(shards, "pretrain"));
        List<Row> second = rowsInFileOrder(Path.of(again, "pretrain"));
        assertEquals(first.size(), second.size());
        for (int i = 0; i < first.size(); i++) {
            assertArrayEquals(first.get(i).getList(0).toArray(), second.get(i).getList(0).toArray());
        }
    }

    /**
     * The fixture's documents as zstd JSONL (plus a malformed and a blank line) train the very tokenizer their
     * Parquet copy trains, and tokenize into as many documents and tokens as an independent encoding of the texts
     * gives; the unreadable lines are counted by reason in both manifests on disk.
     */
    @Test
    void zstdJsonlIsReadAsPrepareReadsIt() throws Exception {
        Path jsonl = dir.resolve("raw/docs.jsonl.zst");
        Files.createDirectories(jsonl.getParent());
        try (Writer w = new OutputStreamWriter(new ZstdOutputStream(Files.newOutputStream(jsonl)), StandardCharsets.UTF_8)) {
            for (int i = 0; i < texts.size(); i++) {
                w.write(new ObjectMapper().writeValueAsString(Map.of("id", "j-" + i, "text", texts.get(i), "source", "web")) + "\n");
                if (i == 3) {
                    w.write("{\"id\": \"broken\n\n");
                }
            }
        }
        TokenizerTrainingConfig config = trainingConfig("vocab_size: 700\n");
        TokenizerTrainJob.Summary fromParquet = TokenizerTrainJob.run(spark, config, ReaderConfig.defaults(),
                List.of(cleanDocs), dir.resolve("tok-parquet").toString(), true);
        TokenizerTrainJob.Summary fromJsonl = TokenizerTrainJob.run(spark, config, ReaderConfig.defaults(),
                List.of(dir.resolve("raw").toString()), dir.resolve("tok-jsonl").toString(), true);
        assertArrayEquals(TokenizerFiles.readBytes(fromParquet.modelPath()),
                TokenizerFiles.readBytes(fromJsonl.modelPath()), "same text, same tokenizer");
        Map<String, Long> skipped = Map.of("input:blank_line", 1L, "input:malformed_json", 1L);
        JsonNode trainManifest = Json.MAPPER.readTree(dir.resolve("tok-jsonl/manifest.json").toFile());
        assertEquals(skipped, counts(trainManifest.at("/summary/recordsSkipped")));

        Path tokens = dir.resolve("tokens-jsonl");
        TokenizeJob.run(spark, new TokenizeConfig(64, 7, 2), ReaderConfig.defaults(), List.of(jsonl.toString()),
                fromJsonl.modelPath(), tokens.toString(), true);
        Tokenizer tokenizer = TokenizerFiles.load(fromJsonl.modelPath());
        long expectedTokens = texts.stream().mapToLong(t -> tokenizer.encodeLossless(t, true, true).length).sum();
        JsonNode manifest = Json.MAPPER.readTree(tokens.resolve("manifest.json").toFile());
        assertEquals(texts.size(), manifest.at("/total/documents").asLong());
        assertEquals(expectedTokens, manifest.at("/total/tokens").asLong());
        assertEquals(skipped, counts(manifest.path("records_skipped")));
        long rowsOnDisk = 0;
        for (Row row : rowsInFileOrder(tokens.resolve(TextInputs.DEFAULT_STAGE))) {
            assertEquals(List.of(TextInputs.DEFAULT_STAGE, "web"), List.of(row.getString(1), row.getString(2)));
            rowsOnDisk++;
        }
        assertEquals(manifest.at("/total/rows").asLong(), rowsOnDisk);
        assertTrue(rowsOnDisk > 0);
    }

    /**
     * Word counts reach the driver pruned: with min_word_count 2 and max_words 150, the tokenizer is exactly the
     * one trained here, without Spark, on the 150 most frequent words of a count made here; the summary's pruned
     * words and occurrences are those this count leaves out. Without pruning, the tokenizer is the one trained on
     * every word, as before pruning existed.
     */
    @Test
    void wordsArePrunedOnTheExecutorsAndThePruningIsReported() throws Exception {
        TokenizerTrainingConfig pruned = trainingConfig("vocab_size: 700\nmin_word_count: 2\nmax_words: 150\n");
        Map<String, Long> all = new HashMap<>();
        TrainingText pretokenizer = new TrainingText(pruned);
        for (String text : texts) {
            for (String line : text.split("\n", -1)) {
                pretokenizer.words(line, w -> all.merge(w, 1L, Long::sum));
            }
        }
        List<Map.Entry<String, Long>> ranked = all.entrySet().stream().filter(e -> e.getValue() >= 2)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .toList();
        assertTrue(ranked.size() > 150 && all.size() > ranked.size(), "both prunings have words to drop");
        Map<String, Long> top = new HashMap<>();
        ranked.subList(0, 150).forEach(e -> top.put(e.getKey(), e.getValue()));

        TokenizerTrainJob.Summary summary = TokenizerTrainJob.run(spark, pruned, ReaderConfig.defaults(),
                List.of(cleanDocs), dir.resolve("tok-pruned").toString(), true);
        assertEquals(150, summary.distinctWords());
        assertEquals(all.size() - 150, summary.wordsPruned());
        long occurrences = all.values().stream().mapToLong(Long::longValue).sum();
        assertEquals(occurrences, summary.wordOccurrences());
        assertEquals(occurrences - top.values().stream().mapToLong(Long::longValue).sum(), summary.occurrencesPruned());
        assertArrayEquals(new BpeTrainer(pruned).train(top).proto().toByteArray(),
                TokenizerFiles.readBytes(summary.modelPath()), "trained on exactly the top words");

        TokenizerTrainingConfig unpruned = trainingConfig("vocab_size: 700\n");
        TokenizerTrainJob.Summary full = TokenizerTrainJob.run(spark, unpruned, ReaderConfig.defaults(),
                List.of(cleanDocs), dir.resolve("tok-unpruned").toString(), true);
        assertEquals(0, full.wordsPruned());
        assertEquals(all.size(), full.distinctWords());
        assertArrayEquals(new BpeTrainer(unpruned).train(all).proto().toByteArray(),
                TokenizerFiles.readBytes(full.modelPath()), "no pruning: trained on every word");
    }

    /**
     * An input of weight 3 trains the same tokenizer as its text written out three times (three files, so not one
     * path read once), and a weight that changes the tokenizer: the upweighted words earn a piece they lack at
     * weight 1.
     */
    @Test
    void anInputOfWeightKCountsAsItsTextRepeatedKTimes() throws Exception {
        List<String> small = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            small.add(new ObjectMapper().writeValueAsString(Map.of("id", "w-" + i,
                    "text", "Repeat the word: zephyrquill\nzephyrquill\n\nWrite in capital letters: zephyrquill\nZEPHYRQUILL")));
        }
        Path weighted = Files.createDirectories(dir.resolve("weighted/one"));
        Files.write(weighted.resolve("small.jsonl"), small);
        Path repeated = Files.createDirectories(dir.resolve("weighted/three"));
        for (int copy = 0; copy < 3; copy++) {
            Files.write(repeated.resolve("small-" + copy + ".jsonl"), small);
        }
        TokenizerTrainingConfig config = trainingConfig("vocab_size: 700\n");
        TokenizerTrainJob.Summary byWeight = TokenizerTrainJob.run(spark, config, ReaderConfig.defaults(),
                List.of(cleanDocs, weighted.toString()), Map.of(weighted.toString(), 3),
                dir.resolve("tok-weight-3").toString(), true);
        TokenizerTrainJob.Summary byCopies = TokenizerTrainJob.run(spark, config, ReaderConfig.defaults(),
                List.of(cleanDocs, repeated.toString()), dir.resolve("tok-copies-3").toString(), true);
        assertArrayEquals(TokenizerFiles.readBytes(byCopies.modelPath()), TokenizerFiles.readBytes(byWeight.modelPath()),
                "weight 3 = the text three times");
        TokenizerTrainJob.Summary once = TokenizerTrainJob.run(spark, config, ReaderConfig.defaults(),
                List.of(cleanDocs, weighted.toString()), dir.resolve("tok-weight-1").toString(), true);
        assertTrue(pieces(byWeight).contains("ZEPHYRQUILL") && !pieces(once).contains("ZEPHYRQUILL"),
                "the upweighted word earns a whole piece only with the weight");
        assertEquals(3, Json.MAPPER.readTree(dir.resolve("tok-weight-3/manifest.json").toFile())
                .at("/input_weights").path(weighted.toString()).asInt(), "the weights are in the manifest");
    }

    private static List<String> pieces(TokenizerTrainJob.Summary summary) throws Exception {
        return Files.readAllLines(Path.of(summary.out().replaceFirst("^file:", ""), TokenizerTrainJob.VOCAB_FILE))
                .stream().map(line -> line.substring(0, line.indexOf('\t'))).toList();
    }

    private static Map<String, Long> counts(JsonNode node) {
        Map<String, Long> counts = new TreeMap<>();
        node.fields().forEachRemaining(e -> counts.put(e.getKey(), e.getValue().asLong()));
        return counts;
    }

    private static TokenizerTrainingConfig trainingConfig(String yaml) throws Exception {
        Path file = Files.createTempFile(dir, "tokenizer-", ".yaml");
        Files.writeString(file, yaml);
        return ConfigLoader.load(file.toString(), TokenizerTrainingConfig.class, List.of());
    }

    /**
     * Cuts every row before each {@code <bos>} and checks each piece against the documents' own tokenization: a
     * piece from {@code <bos>} to {@code <eos>} is a whole document, a row's last piece that stops early is the start
     * of a document, a row's first piece without {@code <bos>} is the end of a document (or its middle, when the
     * row has no {@code <bos>}). Documents are matched to their pieces one to one; the documents that start in no
     * row must fit in the dropped tokens.
     */
    private static void assertRowsArePiecesOfTheDocuments(String group, List<int[]> docs, List<int[]> rows, int bos,
                                                          int eos, long droppedTokens) {
        List<int[]> starts = new ArrayList<>();
        for (int[] row : rows) {
            List<int[]> pieces = piecesBeforeEachBos(row, bos);
            for (int p = 0; p < pieces.size(); p++) {
                int[] piece = pieces.get(p);
                if (piece[0] == bos) {
                    boolean whole = piece[piece.length - 1] == eos;
                    assertTrue(whole || p == pieces.size() - 1,
                            group + ": a document inside a row ends with <eos>: " + Arrays.toString(piece));
                    starts.add(piece);
                } else {
                    boolean middle = pieces.size() == 1;
                    assertTrue(docs.stream().anyMatch(d -> middle ? indexOf(d, piece) >= 0 : endsWith(d, piece)),
                            group + ": row starts with tokens that are no document's " + (middle ? "middle" : "end")
                                    + ": " + Arrays.toString(piece));
                }
            }
        }
        int[] startOf = matchStartsToDocuments(starts, docs, eos);
        long lostTokens = 0;
        for (int d = 0; d < docs.size(); d++) {
            if (startOf[d] < 0) {
                lostTokens += docs.get(d).length;
            }
        }
        assertEquals(starts.size(), Arrays.stream(startOf).filter(s -> s >= 0).count(),
                group + ": every <bos> on disk starts a distinct input document, tokens in order");
        assertTrue(lostTokens <= droppedTokens,
                group + ": documents missing from the shards (" + lostTokens + " tokens) exceed the dropped tokens");
    }

    /** The row cut before every {@code <bos>}. */
    private static List<int[]> piecesBeforeEachBos(int[] row, int bos) {
        List<int[]> pieces = new ArrayList<>();
        int start = 0;
        for (int i = 1; i <= row.length; i++) {
            if (i == row.length || row[i] == bos) {
                pieces.add(Arrays.copyOfRange(row, start, i));
                start = i;
            }
        }
        return pieces;
    }

    /**
     * A one-to-one matching of document starts on disk to documents (Kuhn's augmenting paths): a start ending in
     * {@code <eos>} must equal the document, any other start must be its prefix. Returns, per document, the index of
     * its start, or -1.
     */
    private static int[] matchStartsToDocuments(List<int[]> starts, List<int[]> docs, int eos) {
        int[] startOf = new int[docs.size()];
        Arrays.fill(startOf, -1);
        for (int s = 0; s < starts.size(); s++) {
            augment(s, starts, docs, eos, startOf, new boolean[docs.size()]);
        }
        return startOf;
    }

    private static boolean augment(int s, List<int[]> starts, List<int[]> docs, int eos, int[] startOf,
                                   boolean[] visited) {
        int[] start = starts.get(s);
        boolean whole = start[start.length - 1] == eos;
        for (int d = 0; d < docs.size(); d++) {
            int[] doc = docs.get(d);
            boolean fits = whole ? Arrays.equals(start, doc) : startsWith(doc, start);
            if (fits && !visited[d]) {
                visited[d] = true;
                if (startOf[d] < 0 || augment(startOf[d], starts, docs, eos, startOf, visited)) {
                    startOf[d] = s;
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean startsWith(int[] tokens, int[] prefix) {
        return prefix.length <= tokens.length && Arrays.equals(tokens, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static boolean endsWith(int[] tokens, int[] suffix) {
        int from = tokens.length - suffix.length;
        return from >= 0 && Arrays.equals(tokens, from, tokens.length, suffix, 0, suffix.length);
    }

    private static int indexOf(int[] tokens, int[] run) {
        for (int i = 0; i + run.length <= tokens.length; i++) {
            if (Arrays.equals(tokens, i, i + run.length, run, 0, run.length)) {
                return i;
            }
        }
        return -1;
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
