package io.gemmaspark.jobs.classifier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gemmaspark.config.ConfigLoader;
import io.gemmaspark.filtering.classifier.LinearTextClassifier;
import io.gemmaspark.filtering.classifier.SparkTermIndex;
import io.gemmaspark.jobs.CommonOptions;
import io.gemmaspark.jobs.PrepareCommand;
import io.gemmaspark.jobs.SparkSupport;
import io.gemmaspark.jobs.bench.SyntheticCorpus;
import io.gemmaspark.jobs.prepare.PrepareJob;
import io.gemmaspark.jobs.prepare.PrepareReport;
import io.gemmaspark.util.UserError;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.feature.HashingTF;
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
 * classifier-train end to end on Spark local[2] over a labelled fixture (synthetic prose; the "spam" half carries
 * gambling sentences), with planted bad lines; then prepare with the trained model as a classifier filter.
 * Everything is checked from what is on disk: metrics.json, the saved PipelineModel, classifier.json, Parquet.
 */
class ClassifierTrainJobTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SyntheticCorpus CORPUS = new SyntheticCorpus(11);
    private static final String[] GAMBLING = {"Claim your casino bonus and spin the jackpot slots tonight.",
            "Free spins and a huge jackpot wait at the online casino.", "Bet now, the casino doubles every deposit."};
    private static final int PER_LABEL = 160;

    @TempDir
    static Path dir;
    static SparkSession spark;
    static Path data;
    static Path out;
    static ClassifierTrainJob.Result result;

    static String ham(long i) {
        return CORPUS.document(i);
    }

    static String spam(long i) {
        List<String> lines = new ArrayList<>(Arrays.asList(CORPUS.document(i).split("\n")));
        for (int k = 0; k < 3; k++) {
            lines.add((int) ((i + k * 7) % (lines.size() + 1)), GAMBLING[(int) ((i + k) % GAMBLING.length)]);
        }
        return String.join("\n", lines);
    }

    static String record(String text, Object label) throws IOException {
        return JSON.writeValueAsString(Map.of("text", text, "label", label));
    }

    @BeforeAll
    static void trainOnFixture() throws Exception {
        CommonOptions options = new CommonOptions();
        options.master = "local[2]";
        spark = SparkSupport.session("classifier-test", options);
        data = Files.createDirectories(dir.resolve("data"));
        try (Writer w = Files.newBufferedWriter(data.resolve("a.jsonl"))) {
            w.write(record(ham(0), "ham") + "\n");
            w.write(record(spam(1), "spam") + "\n");
            w.write("{\"text\": \"cut off\n");                                  // line 3: malformed JSON
            w.write("{\"text\": \"no label here\"}\n");                          // line 4: missing label
            w.write("{\"label\": \"ham\"}\n");                                   // line 5: missing text
            w.write("{\"text\": 42, \"label\": \"ham\"}\n");                     // line 6: wrong type
            w.write("\n");                                                       // line 7: blank
            w.write("{\"text\": \"   \", \"label\": \"spam\"}\n");               // line 8: empty text
            for (int i = 2; i < PER_LABEL; i++) {
                w.write(record(i % 2 == 0 ? ham(i) : spam(i), i % 2 == 0 ? "ham" : "spam") + "\n");
            }
        }
        try (Writer w = new java.io.OutputStreamWriter(new GZIPOutputStream(
                Files.newOutputStream(data.resolve("b.jsonl.gz"))), StandardCharsets.UTF_8)) {
            for (int i = PER_LABEL; i < 2 * PER_LABEL; i++) {
                w.write(record(i % 2 == 0 ? ham(i) : spam(i), i % 2 == 0 ? "ham" : "spam") + "\n");
            }
        }
        out = dir.resolve("model");
        result = ClassifierTrainJob.run(spark, request(List.of(data.toString()), out, false));
    }

    static ClassifierTrainJob.Request request(List<String> inputs, Path target, boolean strict) {
        ClassifierTrainSettings settings = ConfigLoader.load("classifier/default", ClassifierTrainSettings.class,
                List.of("features.num_features=4096", "logistic_regression.max_iter=40", "held_out_fraction=0.25"));
        return new ClassifierTrainJob.Request(inputs, "label", target.toString(), strict, true, settings);
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    @Test
    void metricsFileCountsBadLinesAndGivesHeldOutFigures() throws Exception {
        assertTrue(Files.exists(out.resolve("_SUCCESS")));
        try (Stream<Path> siblings = Files.list(dir)) {
            assertTrue(siblings.noneMatch(p -> p.getFileName().toString().contains(".tmp-")), "no temporary output left");
        }
        JsonNode m = JSON.readTree(out.resolve("metrics.json").toFile());
        JsonNode bad = m.path("data").path("bad_by_reason");
        for (String reason : List.of("malformed_json", "missing_label", "missing_text", "wrong_type", "blank_line",
                "empty_text")) {
            assertEquals(1, bad.path(reason).asLong(), reason);
        }
        JsonNode firstBad = m.path("data").path("bad_samples").get(0);
        assertTrue(firstBad.path("location").asText().endsWith("a.jsonl:3"), firstBad.toString());
        assertEquals("malformed_json", firstBad.path("reason").asText());
        assertEquals(2 * PER_LABEL + 6, m.path("data").path("lines").asLong());
        assertEquals("spam", m.path("labels").path("positive").asText());

        JsonNode held = m.path("held_out");
        long heldOut = 0;
        for (JsonNode n : m.path("split").path("held_out_by_label")) {
            heldOut += n.asLong();
        }
        long train = 0;
        for (JsonNode n : m.path("split").path("train_by_label")) {
            train += n.asLong();
        }
        assertEquals(2 * PER_LABEL, heldOut + train, "every valid record is in exactly one side of the split");
        assertTrue(heldOut > 0.15 * 2 * PER_LABEL && heldOut < 0.35 * 2 * PER_LABEL, "held out " + heldOut);
        JsonNode counts = held.path("confusion_matrix").path("counts");
        long tn = counts.get(0).get(0).asLong();
        long fp = counts.get(0).get(1).asLong();
        long fn = counts.get(1).get(0).asLong();
        long tp = counts.get(1).get(1).asLong();
        assertEquals(heldOut, tn + fp + fn + tp);
        assertEquals(m.path("split").path("held_out_by_label").path("spam").asLong(), tp + fn);
        assertEquals((double) tp / (tp + fp), held.path("precision").asDouble(), 1e-12);
        assertEquals((double) tp / (tp + fn), held.path("recall").asDouble(), 1e-12);
        assertTrue(held.path("auc_roc").asDouble() > 0.95, held.toString());
        long calibrated = 0;
        for (JsonNode bin : held.path("calibration")) {
            calibrated += bin.path("count").asLong();
        }
        assertEquals(heldOut, calibrated);
        byte[] png = Files.readAllBytes(out.resolve("calibration.png"));
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(png, 4));
    }

    @Test
    void savedPipelineAndExportedModelGiveTheSameScoresOnUnseenText() {
        PipelineModel pipeline = PipelineModel.load(out.resolve("model").toString());
        LinearTextClassifier exported = LinearTextClassifier.load(out.toString());
        List<String> texts = new ArrayList<>();
        for (int i = 10_000; i < 10_020; i++) {
            texts.add(ham(i));
            texts.add(spam(i));
        }
        texts.add("Ünïcödé ÇASINO — ß and İstanbul, emoji 🎰🎰 and CJK 賭場 text.");
        texts.add("x".repeat(10_000) + " casino"); // past max_chars: only the first 4,000 code points count
        texts.add("?!");
        List<Row> rows = texts.stream().map(t -> RowFactory.create(t)).toList();
        Dataset<Row> frame = spark.createDataFrame(rows, new StructType().add("text", DataTypes.StringType));
        List<Row> scored = pipeline.transform(frame).select("text", "probability").collectAsList();
        int spamAbove = 0;
        int hamBelow = 0;
        for (int i = 0; i < scored.size(); i++) {
            String text = scored.get(i).getString(0);
            double spark = ((org.apache.spark.ml.linalg.Vector) scored.get(i).get(1)).apply(1);
            assertEquals(spark, exported.probability(text), 1e-9, "text " + i);
            if (i < 40 && i % 2 == 1 && spark > 0.5) {
                spamAbove++;
            }
            if (i < 40 && i % 2 == 0 && spark < 0.5) {
                hamBelow++;
            }
        }
        assertTrue(spamAbove >= 18 && hamBelow >= 18, "unseen spam above 0.5: " + spamAbove + "/20, ham below: "
                + hamBelow + "/20");
    }

    @Test
    void termIndexIsSparksHashingTF() {
        List<String> terms = new ArrayList<>(List.of("", "a", "ab", "abc", "abcd", "abcde", "casino", "s i n",
                "ünï", "🎰", "賭場", "İ", "a b c d e f g h i"));
        for (int i = 0; i < 300; i++) {
            terms.add(CORPUS.document(i).substring(0, 1 + i % 40));
        }
        for (int numFeatures : new int[] {2, 1000, 1 << 16, 1 << 18}) {
            HashingTF spark = new HashingTF().setNumFeatures(numFeatures);
            for (String term : terms) {
                assertEquals(spark.indexOf(term), SparkTermIndex.indexOf(term, numFeatures), term);
            }
        }
    }

    @Test
    void strictStopsAtTheFirstBadLineNamingIt() {
        UserError e = assertThrows(UserError.class, () -> ClassifierTrainJob.run(spark,
                request(List.of(data.resolve("a.jsonl").toString()), dir.resolve("strict"), true)));
        assertTrue(e.getMessage().contains("a.jsonl:3: malformed_json"), e.getMessage());
        assertTrue(Files.notExists(dir.resolve("strict")));
    }

    @Test
    void refusesMoreThanTwoLabels() throws Exception {
        Path three = dir.resolve("three.jsonl");
        Files.writeString(three, record("one", "a") + "\n" + record("two", "b") + "\n" + record("three", 3) + "\n");
        UserError e = assertThrows(UserError.class, () -> ClassifierTrainJob.run(spark,
                request(List.of(three.toString()), dir.resolve("three-out"), false)));
        assertTrue(e.getMessage().contains("3 distinct values"), e.getMessage());
    }

    @Test
    void prepareDropsByTheTrainedClassifierAndKeepsItsScoreColumn() throws Exception {
        Path corpus = Files.createDirectories(dir.resolve("corpus"));
        int hams = 40;
        int spams = 15;
        try (OutputStream o = Files.newOutputStream(corpus.resolve("c.jsonl"))) {
            for (int i = 0; i < hams + spams; i++) {
                String text = i < hams ? ham(20_000 + i) : spam(20_000 + i);
                o.write((JSON.writeValueAsString(Map.of("id", "d" + i, "text", text)) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            o.write("{\"id\": \"short\", \"text\": \"casino\"}\n".getBytes(StandardCharsets.UTF_8));
        }
        Path prepared = dir.resolve("prepared");
        PrepareJob.Request request = PrepareCommand.request(List.of(corpus.toString()), prepared.toString(), false,
                true, "prepare/default", null, List.of(
                        "classifiers=[{name: casino, model: '" + out + "', threshold: 0.5, drop: above}]",
                        "output.write_rejected=true"));
        PrepareReport report = PrepareJob.run(spark, request);

        JsonNode counts = JSON.readTree(prepared.resolve("manifest.json").toFile()).path("counts");
        long droppedByClassifier = counts.path("dropped_by_reason").path("classifier:casino").asLong();
        assertTrue(droppedByClassifier >= spams - 1 && droppedByClassifier <= spams + 1,
                "classifier:casino dropped " + droppedByClassifier + " of " + spams);
        JsonNode stats = counts.path("classifiers").path("casino");
        assertEquals(droppedByClassifier, stats.path("dropped").asLong());
        long histogram = 0;
        for (JsonNode n : stats.path("histogram")) {
            histogram += n.asLong();
        }
        assertEquals(stats.path("scored").asLong(), histogram);
        assertTrue(report.summary().contains("classifier casino"), report.summary());

        Dataset<Row> kept = spark.read().parquet(prepared.resolve("kept").toString());
        assertTrue(Arrays.asList(kept.columns()).contains("casino_score"));
        assertEquals(0, kept.filter("casino_score is null or casino_score > 0.5").count());
        assertEquals(counts.path("kept").asLong(), kept.count());
        Dataset<Row> rejected = spark.read().parquet(prepared.resolve("rejected").toString());
        List<Row> byClassifier = rejected.filter("reason = 'classifier:casino'").select("id", "casino_score")
                .collectAsList();
        assertEquals(droppedByClassifier, byClassifier.size());
        for (Row r : byClassifier) {
            assertTrue(r.getDouble(1) > 0.5, r.toString());
        }
        Row shortDoc = rejected.filter("id = 'short'").select("reason", "casino_score").first();
        assertNotNull(shortDoc.getString(0));
        assertNull(shortDoc.get(1), "dropped before the classifier ran: no score");
    }
}
