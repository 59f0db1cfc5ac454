package io.gemmaspark.jobs.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import io.gemmaspark.filtering.FilterConfig;
import io.gemmaspark.filtering.dedup.MinHasher;
import io.gemmaspark.filtering.normalize.InvalidUtf8Policy;
import io.gemmaspark.jobs.CommonOptions;
import io.gemmaspark.jobs.PrepareCommand;
import io.gemmaspark.jobs.SparkSupport;
import io.gemmaspark.jobs.bench.SyntheticCorpus;
import io.gemmaspark.util.UserError;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The prepare job on Spark local[2] over a generated corpus with known planted duplicates, spread over every
 * reader (plain, gzip and zstd JSONL, Parquet, separated text) plus broken records.
 */
class PrepareJobTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SyntheticCorpus CORPUS = new SyntheticCorpus(7);
    private static final int BASE_DOCS = 500;
    /**
     * Every record of the fixture: the documents, 25 exact, 80 near and 30 far copies, bad.jsonl's 4 lines and its
     * trailing blank line, 2 separated text documents, 3 Parquet rows with numeric text, and one empty file.
     */
    private static final int RECORDS = BASE_DOCS + 25 + 80 + 30 + 4 + 1 + 2 + 3 + 1;

    @TempDir
    static Path dir;
    static SparkSession spark;
    static Path corpus;
    /** planted copy id → (original id, true Jaccard, whether the two share an LSH band key) */
    static final Map<String, Object[]> NEAR = new HashMap<>();
    static final Map<String, Object[]> FAR = new HashMap<>();
    static int expectedExactDuplicates;
    static PrepareReport first;
    static Path firstOut;

    @BeforeAll
    static void buildCorpusAndRun() throws Exception {
        CommonOptions options = new CommonOptions();
        options.master = "local[2]";
        spark = SparkSupport.session("prepare-test", options);
        corpus = Files.createDirectories(dir.resolve("corpus"));
        MinHasher hasher = new MinHasher(FilterConfig.defaults().dedup().nearDuplicates());

        Map<String, String> texts = new HashMap<>();
        List<String[]> plain = new ArrayList<>();
        for (int i = 0; i < BASE_DOCS; i++) {
            texts.put(id(i), CORPUS.document(i));
        }
        for (int i = 0; i < 300; i++) {
            plain.add(new String[] {id(i), texts.get(id(i))});
        }
        List<String[]> planted = new ArrayList<>();
        Set<String> seen = new HashSet<>(texts.values());
        for (int i = 0; i < 25; i++) {
            planted.add(new String[] {"z-exact-" + i, texts.get(id(i))});
        }
        for (int i = 0; i < 80; i++) {
            String original = id(100 + i);
            String copy = CORPUS.withReplacedWords(texts.get(original), 1 + i % 4, i);
            planted.add(new String[] {"z-near-" + i, copy});
            NEAR.put("z-near-" + i, new Object[] {original,
                    MinHasher.jaccard(hasher.shingles(texts.get(original)), hasher.shingles(copy)),
                    shareABand(hasher, texts.get(original), copy)});
        }
        for (int i = 0; i < 30; i++) {
            String original = id(200 + i);
            String partial = CORPUS.withSharedPrefix(texts.get(original), 0.3, 100_000 + i);
            planted.add(new String[] {"z-far-" + i, partial});
            FAR.put("z-far-" + i, new Object[] {original,
                    MinHasher.jaccard(hasher.shingles(texts.get(original)), hasher.shingles(partial))});
        }
        for (String[] p : planted) {
            if (!seen.add(p[1])) {
                expectedExactDuplicates++;
            }
        }
        plain.addAll(planted);
        writeJsonl(Files.newOutputStream(corpus.resolve("a.jsonl")), plain);
        writeJsonl(new GZIPOutputStream(Files.newOutputStream(corpus.resolve("b.jsonl.gz"))), range(texts, 300, 400));
        writeJsonl(new ZstdOutputStream(Files.newOutputStream(corpus.resolve("c.jsonl.zst"))), range(texts, 400, 450));
        StructType docs = new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType);
        List<Row> parquetRows = range(texts, 450, BASE_DOCS).stream().map(r -> RowFactory.create(r[0], r[1])).toList();
        spark.createDataFrame(parquetRows, docs).coalesce(1).write().parquet(dir.resolve("pq").toString());
        try (var files = Files.list(dir.resolve("pq"))) {
            Path part = files.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
            Files.copy(part, corpus.resolve("d.parquet"));
        }
        StructType numeric = new StructType().add("text", DataTypes.IntegerType);
        spark.createDataFrame(List.of(RowFactory.create(1), RowFactory.create(2), RowFactory.create(3)), numeric)
                .coalesce(1).write().parquet(dir.resolve("pq-numeric").toString());
        try (var files = Files.list(dir.resolve("pq-numeric"))) {
            Path part = files.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
            Files.copy(part, corpus.resolve("numeric-text.parquet"));
        }
        Files.writeString(corpus.resolve("bad.jsonl"), String.join("\n",
                json("bad-0", CORPUS.document(90_000)),
                "{\"id\": \"bad-1\", \"text\": \"unterminated",
                "{\"id\": \"bad-2\", \"text\": 17}",
                "{\"id\": \"bad-3\", \"text\": \"\"}",
                "") + "\n");
        Files.write(corpus.resolve("empty.jsonl"), new byte[0]);
        try (Writer w = new java.io.OutputStreamWriter(new GZIPOutputStream(
                Files.newOutputStream(corpus.resolve("separated.txt.gz"))), StandardCharsets.UTF_8)) {
            w.write(CORPUS.document(91_000) + "\n<|doc|>\n" + CORPUS.document(91_001) + "\n");
        }
        firstOut = dir.resolve("out1");
        first = PrepareJob.run(spark, request(List.of(corpus.toString()), firstOut, false));
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static PrepareJob.Request request(List<String> inputs, Path out, boolean strict, String... overrides) {
        // The synthetic corpus is made-up words around English stop words, not a language: label it, keep it; nor
        // prose that the shipped classifiers could judge (they are tested in ClassifierTrainJobTest): off.
        List<String> sets = new ArrayList<>(List.of("reader.text_separator=<|doc|>", "output.target_shard_mb=1",
                "language.languages=[]", "classifiers=[]"));
        sets.addAll(List.of(overrides));
        return PrepareCommand.request(inputs, out.toString(), strict, true, "prepare/default", null, sets);
    }

    @Test
    void exactDuplicatesAreCountedExactlyAndTheSmallestIdIsKept() throws Exception {
        assertTrue(expectedExactDuplicates >= 25);
        assertEquals(expectedExactDuplicates, first.counts().droppedByReason().get("dedup:exact"));
        Set<String> kept = keptIds(firstOut);
        for (int i = 0; i < 25; i++) {
            assertTrue(kept.contains(id(i)), "original " + id(i) + " kept");
            assertFalse(kept.contains("z-exact-" + i), "copy z-exact-" + i + " dropped");
        }
    }

    /**
     * Every planted copy at or above the threshold that shares an LSH band with its original (a candidate pair) is
     * dropped in favour of the original: the linking stages lose none. Over all copies at Jaccard >= 0.85 the
     * recall also includes LSH's own misses (P(candidate | s = 0.85) = 0.988).
     */
    @Test
    void nearDuplicatesAboveTheThresholdAreRemoved() throws Exception {
        Set<String> kept = keptIds(firstOut);
        double threshold = FilterConfig.defaults().dedup().nearDuplicates().threshold();
        int candidates = 0;
        int candidatesFound = 0;
        int pairs = 0;
        int found = 0;
        for (var e : NEAR.entrySet()) {
            double jaccard = (double) e.getValue()[1];
            boolean dropped = kept.contains((String) e.getValue()[0]) && !kept.contains(e.getKey());
            if (jaccard >= threshold && jaccard < 1.0 && (boolean) e.getValue()[2]) {
                candidates++;
                candidatesFound += dropped ? 1 : 0;
            }
            if (jaccard >= 0.85 && jaccard < 1.0) {
                pairs++;
                found += dropped ? 1 : 0;
            }
        }
        assertTrue(pairs >= 40, "enough planted pairs at Jaccard >= 0.85: " + pairs);
        assertEquals(candidates, candidatesFound, "planted candidate pairs at or above the threshold linked");
        double recall = (double) found / pairs;
        assertTrue(recall >= 0.95, "near-dup recall " + recall + " over " + pairs + " pairs");
        assertTrue(first.nearDuplicates().linkedPairs() >= found);
    }

    private static boolean shareABand(MinHasher hasher, String a, String b) {
        Set<Long> keys = new HashSet<>();
        for (long k : hasher.bandKeys(hasher.signature(a))) {
            keys.add(k);
        }
        for (long k : hasher.bandKeys(hasher.signature(b))) {
            if (keys.contains(k)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void dissimilarDocumentsAreNeverMerged() throws Exception {
        Set<String> kept = keptIds(firstOut);
        int checked = 0;
        for (var e : FAR.entrySet()) {
            double jaccard = (double) e.getValue()[1];
            if (jaccard <= 0.3) {
                checked++;
                assertTrue(kept.contains(e.getKey()) && kept.contains((String) e.getValue()[0]),
                        e.getKey() + " (Jaccard " + jaccard + ") was merged with " + e.getValue()[0]);
            }
        }
        assertTrue(checked >= 20, "pairs at Jaccard <= 0.3 checked: " + checked);
        PrepareReport.Counts c = first.counts();
        assertEquals(1, c.droppedByStep().get("filter"), "only the blank record fails a filter: " + c.droppedByReason());
    }

    /**
     * The input records, counted here from the files of the fixture (non-blank JSONL lines, Parquet rows, separated
     * text documents), each appear exactly once in the output read back from disk: in kept/ under its id (its
     * file:line when it has none), or in rejected/ at its file:line under a named reason. The manifest's counts
     * equal what is read back.
     */
    @Test
    void everyInputRecordIsKeptOrRejectedExactlyOnce() throws Exception {
        InputInventory inputs = InputInventory.of(corpus);
        assertEquals(RECORDS, inputs.size(), "the fixture as written");

        List<Row> kept = spark.read().parquet(firstOut.resolve("kept").toString()).select("id").collectAsList();
        List<Row> rejected = spark.read().parquet(firstOut.resolve("rejected").toString())
                .select("id", "location", "reason").collectAsList();
        Map<String, Long> rejectedByReason = new HashMap<>();
        for (Row r : rejected) {
            String reason = r.getString(2);
            assertTrue(reason != null && !reason.isBlank(), "rejected row without a reason: " + r);
            rejectedByReason.merge(reason, 1L, Long::sum);
            inputs.takeAtLocation(r.getString(1), r.getString(0));
        }
        for (Row r : kept) {
            inputs.takeById(r.getString(0));
        }
        assertEquals(List.of(), inputs.remaining(), "input records in neither kept/ nor rejected/");

        var counts = JSON.readTree(firstOut.resolve("manifest.json").toFile()).path("counts");
        assertEquals(RECORDS, counts.path("records").asLong());
        assertEquals(kept.size(), counts.path("kept").asLong());
        assertEquals(rejected.size(), counts.path("dropped").asLong());
        Map<String, Long> manifestByReason = new HashMap<>();
        counts.path("dropped_by_reason").fields().forEachRemaining(e -> {
            if (e.getValue().asLong() > 0) {
                manifestByReason.put(e.getKey(), e.getValue().asLong());
            }
        });
        assertEquals(rejectedByReason, manifestByReason);
    }

    @Test
    void badInputIsCountedUnderItsReasonWithLocations() {
        PrepareReport.Counts c = first.counts();
        assertEquals(1, c.droppedByReason().get(RawRecords.MALFORMED_JSON));
        assertEquals(1 + 3, c.droppedByReason().get(RawRecords.WRONG_TYPE), "JSON number text + 3 Parquet int rows");
        assertEquals(1, c.droppedByReason().get("input:empty"));
        assertEquals(1, c.droppedByReason().get(RawRecords.BLANK_LINE), "bad.jsonl's last line is blank");
        assertEquals(1, c.droppedByReason().get(RawRecords.EMPTY_FILE), "empty.jsonl");
        List<String> locations = c.badInputSamples().stream().map(b -> b.location() + " " + b.reason()).toList();
        assertTrue(locations.contains("file:" + corpus.resolve("bad.jsonl") + ":2 " + RawRecords.MALFORMED_JSON), locations.toString());
        assertTrue(locations.contains("file:" + corpus.resolve("bad.jsonl") + ":3 " + RawRecords.WRONG_TYPE), locations.toString());
        assertTrue(locations.contains("file:" + corpus.resolve("bad.jsonl") + ":4 input:empty"), locations.toString());
        assertTrue(locations.contains("file:" + corpus.resolve("numeric-text.parquet") + ":1 " + RawRecords.WRONG_TYPE),
                locations.toString());
        assertEquals(RECORDS, c.records(), "every record of every reader is counted");
    }

    @Test
    void outputHasTheDesignSchemaManifestAndSuccessMarker() throws Exception {
        assertTrue(Files.exists(firstOut.resolve("_SUCCESS")));
        var manifest = JSON.readTree(firstOut.resolve("manifest.json").toFile());
        assertEquals(first.counts().kept(), manifest.at("/counts/kept").asLong());
        assertEquals(64, manifest.at("/config_sha256").asText().length());
        var kept = spark.read().parquet(firstOut.resolve("kept").toString());
        assertEquals(PrepareJob.KEPT_COLUMNS, List.of(kept.columns()));
        assertEquals(first.counts().kept(), kept.count());
        assertTrue(kept.filter("stage < 1 or quality_score < 0 or quality_score > 1 or n_words < 1").isEmpty());
        assertTrue(kept.filter("language is null or language_score is null").isEmpty(), "every kept row is labelled");
        assertEquals(first.counts().dropped(), spark.read().parquet(firstOut.resolve("rejected").toString()).count());
    }

    @Test
    void otherLanguagesAreDroppedWithTheirLanguageInTheRejectedRows() throws Exception {
        Path langCorpus = Files.createDirectories(dir.resolve("languages"));
        String english = String.join("\n",
                "The old stone bridge crosses the river at the narrowest point of the valley.",
                "It was built in 1779 by workers from the nearby town, and it carried carts of coal and iron.",
                "Today the bridge is closed to traffic, but walkers cross it every day to reach the museum.",
                "The museum tells the story of the people who lived and worked in the valley.",
                "Visitors can see the tools that the workers used and the houses that they built by hand.",
                "A small cafe near the entrance serves tea and cake to tired walkers in the afternoon.");
        String german = String.join("\n",
                "Die alte Steinbrücke überquert den Fluss an der engsten Stelle des Tals.",
                "Sie wurde im Jahr 1779 von Arbeitern aus der nahen Stadt gebaut und trug Karren mit Kohle.",
                "Heute ist die Brücke für den Verkehr gesperrt, aber Wanderer überqueren sie jeden Tag.",
                "Das Museum erzählt die Geschichte der Menschen, die im Tal lebten und arbeiteten.",
                "Besucher können die Werkzeuge sehen, die die Arbeiter benutzten, und ihre Häuser.",
                "Ein kleines Café am Eingang serviert am Nachmittag Tee und Kuchen für müde Wanderer.");
        writeJsonl(Files.newOutputStream(langCorpus.resolve("mixed.jsonl")),
                List.of(new String[] {"en-1", english}, new String[] {"de-1", german}));
        Path out = dir.resolve("out-languages");
        PrepareReport report = PrepareJob.run(spark, PrepareCommand.request(List.of(langCorpus.toString()),
                out.toString(), false, true, "prepare/default", null, List.of()));
        assertEquals(1L, report.counts().droppedByReason().get("language:de"));
        assertEquals(Map.of("en", 1L), report.counts().keptByLanguage());
        assertEquals(Map.of("en", 1L, "de", 1L), report.counts().recordsByLanguage());
        Row rejected = spark.read().parquet(out.resolve("rejected").toString()).collectAsList().get(0);
        assertEquals("de", rejected.getAs("language"));
        assertTrue((double) rejected.getAs("language_score") > 0.9);
        Row kept = spark.read().parquet(out.resolve("kept").toString()).collectAsList().get(0);
        assertEquals("en", kept.getAs("language"));
        assertTrue(report.summary().contains("language kept en 1"), report.summary());
        var manifest = JSON.readTree(out.resolve("manifest.json").toFile());
        assertEquals(1, manifest.at("/counts/kept_by_language/en").asLong());
    }

    @Test
    void sameInputAndConfigGiveIdenticalRows() {
        Path second = dir.resolve("out2");
        PrepareJob.run(spark, request(List.of(corpus.toString()), second, false));
        List<Row> a = spark.read().parquet(firstOut.resolve("kept").toString()).orderBy("id").collectAsList();
        List<Row> b = spark.read().parquet(second.resolve("kept").toString()).orderBy("id").collectAsList();
        assertEquals(a, b);
    }

    @Test
    void strictStopsAtTheFirstBadRecordNamingItsLine() {
        Path out = dir.resolve("strict");
        UserError e = assertThrows(UserError.class, () -> PrepareJob.run(spark,
                request(List.of(corpus.resolve("bad.jsonl").toString()), out, true)));
        assertTrue(e.getMessage().contains("bad.jsonl:2: " + RawRecords.MALFORMED_JSON), e.getMessage());
        assertFalse(Files.exists(out), "no output after a failed run");
    }

    @Test
    void failedRunLeavesNoOutputThatLooksComplete() throws Exception {
        Path broken = Files.createDirectories(dir.resolve("broken"));
        byte[] invalid = "{\"text\": \"caf\u00e9 \"}\n".getBytes(StandardCharsets.ISO_8859_1);
        Files.write(broken.resolve("latin1.jsonl"), invalid);
        Path out = dir.resolve("failed");
        UserError e = assertThrows(UserError.class, () -> PrepareJob.run(spark,
                request(List.of(broken.toString()), out, false, "normalize.invalid_utf8=fail")));
        assertTrue(e.getMessage().contains("latin1.jsonl:1"), e.getMessage());
        assertFalse(Files.exists(out.resolve("_SUCCESS")));
        assertFalse(Files.exists(out));
    }

    /**
     * A run that fails in its clusters stage leaves no output but a work area with the earlier stages complete; a
     * rerun with other settings may not resume it; a rerun with --resume computes only clusters and write, leaves
     * the complete stages' files as they were (same names, sizes and times), and writes what the uninterrupted
     * run wrote, read back from disk.
     */
    @Test
    void interruptedRunResumesFromItsLastCompleteStageWithTheSameResult() throws Exception {
        Path out = dir.resolve("resumed");
        Path stages = dir.resolve(".resumed.partial").resolve("stages");
        PrepareJob.Request request = request(List.of(corpus.toString()), out, false);
        IllegalStateException injected = assertThrows(IllegalStateException.class, () -> PrepareJob.run(spark, request,
                stage -> {
                    if (stage == PrepareStages.Stage.CLUSTERS) {
                        throw new IllegalStateException("injected failure");
                    }
                }));
        assertEquals("injected failure", injected.getMessage());
        assertFalse(Files.exists(out), "no output after a failed run");
        List<PrepareStages.Stage> complete = List.of(PrepareStages.Stage.READ, PrepareStages.Stage.FILTER,
                PrepareStages.Stage.SIGNATURES, PrepareStages.Stage.BUCKETS);
        for (PrepareStages.Stage stage : complete) {
            assertTrue(Files.exists(stages.resolve(stage.dirName()).resolve(PrepareStages.MARKER)), stage + " complete");
        }
        assertFalse(Files.exists(stages.resolve("clusters").resolve(PrepareStages.MARKER)));
        Map<String, String> completedFiles = listing(stages, complete);
        assertTrue(completedFiles.keySet().stream().anyMatch(f -> f.startsWith("filter/part-")), completedFiles.toString());

        UserError refused = assertThrows(UserError.class, () -> PrepareJob.run(spark,
                request(List.of(corpus.toString()), out, false, "dedup.near_duplicates.threshold=0.9").withResume(true)));
        assertTrue(refused.getMessage().contains("other settings or inputs"), refused.getMessage());

        List<PrepareStages.Stage> computed = new ArrayList<>();
        List<Map<String, String>> filesAtResume = new ArrayList<>();
        PrepareReport resumed = PrepareJob.run(spark, request.withResume(true), stage -> {
            computed.add(stage);
            filesAtResume.add(listing(stages, complete));
        });
        assertEquals(List.of(PrepareStages.Stage.CLUSTERS, PrepareStages.Stage.WRITE), computed);
        assertEquals(completedFiles, filesAtResume.get(0), "complete stages were read back, not rewritten");

        assertTrue(Files.exists(out.resolve("_SUCCESS")));
        assertFalse(Files.exists(dir.resolve(".resumed.partial")), "the work area goes once the output is complete");
        for (String table : List.of("kept", "rejected")) {
            String order = table.equals("kept") ? "id" : "location";
            assertEquals(spark.read().parquet(firstOut.resolve(table).toString()).orderBy(order).collectAsList(),
                    spark.read().parquet(out.resolve(table).toString()).orderBy(order).collectAsList(), table);
        }
        JsonNode manifest = JSON.readTree(out.resolve("manifest.json").toFile());
        assertEquals(JSON.readTree(firstOut.resolve("manifest.json").toFile()).path("counts"), manifest.path("counts"));
        assertTrue(manifest.at("/stages/buckets/resumed").asBoolean());
        assertFalse(manifest.at("/stages/clusters/resumed").asBoolean());
        assertEquals(first.nearDuplicates(), resumed.nearDuplicates());
    }

    /** Relative path → size and modification time of every file of the given stages. */
    private static Map<String, String> listing(Path stages, List<PrepareStages.Stage> which) {
        Map<String, String> files = new TreeMap<>();
        for (PrepareStages.Stage stage : which) {
            try (var walk = Files.walk(stages.resolve(stage.dirName()))) {
                for (Path f : walk.filter(Files::isRegularFile).toList()) {
                    files.put(stages.relativize(f).toString(), Files.size(f) + " " + Files.getLastModifiedTime(f).toMillis());
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return files;
    }

    @Test
    void missingInputIsAUserError() {
        UserError e = assertThrows(UserError.class, () -> PrepareJob.run(spark,
                request(List.of(dir.resolve("no-such-dir").toString()), dir.resolve("x"), false)));
        assertTrue(e.getMessage().contains("no-such-dir") && e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void lineNumbersAreExactAcrossFileSplits() throws Exception {
        Path big = dir.resolve("big.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= 3000; i++) {
            lines.add(i == 2345 ? "{broken" : json("l" + i, "line " + i + " " + "word ".repeat(i % 50)));
        }
        Files.write(big, lines);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Configuration conf = new Configuration(sc.hadoopConfiguration());
        conf.setLong("mapreduce.input.fileinputformat.split.maxsize", 16 * 1024);
        List<Row> rows = JsonlReader.read(sc, List.of(new InputFiles.InputFile(big.toString(), InputFiles.Format.JSONL,
                Files.size(big))), ReaderConfig.defaults().maxRecordBytes(), InvalidUtf8Policy.REPLACE, conf).collect();
        assertEquals(3000, rows.size());
        for (Row r : rows) {
            long line = r.getLong(1);
            if (line == 2345) {
                assertEquals(RawRecords.MALFORMED_JSON, r.getString(6));
            } else {
                assertEquals("l" + line, r.getString(2), "record at line " + line);
            }
        }
    }

    private static String id(int i) {
        return String.format("doc-%05d", i);
    }

    private static List<String[]> range(Map<String, String> texts, int from, int to) {
        List<String[]> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(new String[] {id(i), texts.get(id(i))});
        }
        return out;
    }

    private static String json(String id, String text) {
        try {
            return JSON.writeValueAsString(Map.of("id", id, "text", text));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void writeJsonl(OutputStream stream, List<String[]> docs) throws IOException {
        try (Writer w = new java.io.OutputStreamWriter(stream, StandardCharsets.UTF_8)) {
            for (String[] d : docs) {
                w.write(json(d[0], d[1]));
                w.write('\n');
            }
        }
    }

    private static Set<String> keptIds(Path out) {
        Set<String> ids = new HashSet<>();
        for (Row r : spark.read().parquet(out.resolve("kept").toString()).select("id").collectAsList()) {
            ids.add(r.getString(0));
        }
        return ids;
    }
    /**
     * The records of the input files, read back from disk here independently of the readers: each with its
     * location {@code file:<path>:<line>} (Parquet: row number; separated text: no line, as this test does not model
     * where a text document starts) and its JSON or Parquet id, if any. Records are taken off as the output names
     * them, each at most once.
     */
    private static final class InputInventory {
        record Input(String file, long line, String id) {
            String location() {
                return "file:" + file + ":" + line;
            }
        }

        private final List<Input> records = new ArrayList<>();

        static InputInventory of(Path directory) throws IOException {
            InputInventory inventory = new InputInventory();
            try (var files = Files.list(directory)) {
                for (Path file : files.sorted().toList()) {
                    inventory.read(file);
                }
            }
            return inventory;
        }

        private void read(Path file) throws IOException {
            String name = file.getFileName().toString();
            if (name.endsWith(".parquet")) {
                Dataset<Row> rows = spark.read().parquet(file.toString());
                boolean hasId = List.of(rows.columns()).contains("id");
                long line = 0;
                for (Row r : rows.collectAsList()) {
                    records.add(new Input(file.toString(), ++line, hasId ? r.getAs("id") : null));
                }
            } else if (name.contains(".txt")) {
                for (String doc : decompressed(file).split("\n<\\|doc\\|>\n")) {
                    if (!doc.isBlank()) {
                        records.add(new Input(file.toString(), -1, null));
                    }
                }
            } else if (Files.size(file) == 0) {
                records.add(new Input(file.toString(), 0, null)); // an empty file is counted at line 0
            } else {
                String content = decompressed(file);
                String[] lines = content.split("\n", -1);
                int n = content.endsWith("\n") ? lines.length - 1 : lines.length; // no line after the last newline
                for (int i = 0; i < n; i++) {
                    records.add(new Input(file.toString(), i + 1, lines[i].isBlank() ? null : idOf(lines[i])));
                }
            }
        }

        private static String decompressed(Path file) throws IOException {
            String name = file.getFileName().toString();
            try (InputStream raw = Files.newInputStream(file);
                 InputStream in = name.endsWith(".gz") ? new GZIPInputStream(raw)
                         : name.endsWith(".zst") ? new ZstdInputStream(raw) : raw) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }

        private static String idOf(String line) {
            try {
                JsonNode id = JSON.readTree(line).get("id");
                return id != null && id.isTextual() ? id.asText() : null;
            } catch (IOException malformed) {
                return null;
            }
        }

        int size() {
            return records.size();
        }

        List<Input> remaining() {
            return records;
        }

        /** A rejected row: the record at that file:line (a text document: any of that file); ids must agree. */
        void takeAtLocation(String location, String rejectedId) {
            Input input = take(r -> r.line() < 0 ? location.startsWith("file:" + r.file() + ":")
                    : location.equals(r.location()));
            assertTrue(input != null, "rejected location " + location + " is no (remaining) input record");
            assertTrue(rejectedId.equals(location) || rejectedId.equals(input.id()),
                    "rejected " + location + " has id " + rejectedId + ", the input " + input.id());
        }

        /** A kept row: the record with that id, or the id-less record whose location is the id. */
        void takeById(String id) {
            Input input = take(r -> id.equals(r.id()));
            if (input == null) {
                input = take(r -> r.id() == null && (r.line() < 0 ? id.startsWith("file:" + r.file() + ":")
                        : id.equals(r.location())));
            }
            assertTrue(input != null, "kept id " + id + " is no (remaining) input record");
        }

        private Input take(java.util.function.Predicate<Input> matches) {
            for (Iterator<Input> it = records.iterator(); it.hasNext(); ) {
                Input input = it.next();
                if (matches.test(input)) {
                    it.remove();
                    return input;
                }
            }
            return null;
        }
    }
}
