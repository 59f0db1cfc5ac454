package io.gemmaspark.jobs.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.luben.zstd.ZstdOutputStream;
import io.gemmaspark.filtering.normalize.InvalidUtf8Policy;
import io.gemmaspark.jobs.CommonOptions;
import io.gemmaspark.jobs.PrepareCommand;
import io.gemmaspark.jobs.SparkSupport;
import io.gemmaspark.jobs.bench.SyntheticCorpus;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records too long to read, blank lines and empty files in every reader and compression: counted under their
 * reason at their exact line, in the manifest and rejected/ read back from disk, with the lines after a
 * multi-megabyte one still numbered right.
 */
class InputLimitsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SyntheticCorpus CORPUS = new SyntheticCorpus(11);
    private static final int LIMIT = 4096;
    /** A 3 MB text: its JSONL line or text line is far over LIMIT. */
    private static final String LONG_TEXT = "long ".repeat(600_000);
    private static final List<String> COMPRESSIONS = List.of("", ".gz", ".zst");

    @TempDir
    static Path dir;
    static SparkSession spark;
    static Path corpus;
    static JsonNode manifest;
    static long longTextLine;
    /** location → reason of every rejected/ row, from disk */
    static final Map<String, String> rejected = new TreeMap<>();
    static final Map<String, String> details = new TreeMap<>();

    @BeforeAll
    static void run() throws Exception {
        CommonOptions options = new CommonOptions();
        options.master = "local[2]";
        spark = SparkSupport.session("input-limits-test", options);
        corpus = Files.createDirectories(dir.resolve("corpus"));
        String jsonl = String.join("\n",
                json("ok-1", CORPUS.document(1)),
                json("long", LONG_TEXT),          // line 2: too long
                "   ",                             // line 3: blank
                json("ok-4", CORPUS.document(4)),
                "{broken") + "\n";                 // line 5: malformed
        // separator mode (reader.text_separator=<|doc|>): three documents, the middle one too long (one long line)
        String before = CORPUS.document(10) + "\nsecond line\n<|doc|>\n";
        longTextLine = before.chars().filter(c -> c == '\n').count() + 1;
        String text = before + LONG_TEXT + "\nafter the long line\n<|doc|>\n" + CORPUS.document(11) + "\n";
        for (String compression : COMPRESSIONS) {
            write(corpus.resolve("long.jsonl" + compression), jsonl);
            write(corpus.resolve("long.txt" + compression), text);
            write(corpus.resolve("empty.jsonl" + compression), "");
            write(corpus.resolve("empty.txt" + compression), "");
        }
        Path out = dir.resolve("out");
        PrepareJob.run(spark, PrepareCommand.request(List.of(corpus.toString()), out.toString(), false, true,
                "prepare/default", null, List.of("reader.text_separator=<|doc|>", "reader.max_record_bytes=" + LIMIT,
                        // reading is under test, not dedup: the near-duplicate stages are skipped to save time
                        "language.languages=[]", "dedup.near_duplicates.enabled=false")));
        manifest = JSON.readTree(out.resolve("manifest.json").toFile());
        for (Row r : spark.read().parquet(out.resolve("rejected").toString())
                .select("location", "reason", "detail").collectAsList()) {
            rejected.put(r.getString(0), r.getString(1));
            details.put(r.getString(0), r.getString(2));
        }
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void manifestCountsEveryTooLongBlankAndEmptyInput() {
        JsonNode byReason = manifest.at("/counts/dropped_by_reason");
        assertEquals(3 + 3, byReason.path(RawRecords.TOO_LONG).asLong(), "a JSONL line and a text document per compression");
        assertEquals(3, byReason.path(RawRecords.BLANK_LINE).asLong());
        assertEquals(6, byReason.path(RawRecords.EMPTY_FILE).asLong(), "empty .jsonl/.txt, plain, gzip and zstd");
        assertEquals(3, byReason.path(RawRecords.MALFORMED_JSON).asLong(), "only the broken line, not the long one");
        assertEquals(3 * (5 + 3) + 6, manifest.at("/counts/records").asLong(),
                "every JSONL line, text document and empty file is a record");
    }

    @Test
    void eachIsRejectedAtItsExactLine() {
        for (String compression : COMPRESSIONS) {
            String jsonl = location("long.jsonl" + compression);
            String text = location("long.txt" + compression);
            assertEquals(RawRecords.TOO_LONG, rejected.get(jsonl + ":2"), rejected.toString());
            assertTrue(details.get(jsonl + ":2").contains("line of " + json("long", LONG_TEXT).length() + " bytes"),
                    details.get(jsonl + ":2"));
            assertEquals(RawRecords.BLANK_LINE, rejected.get(jsonl + ":3"));
            assertEquals(RawRecords.MALFORMED_JSON, rejected.get(jsonl + ":5"), "line numbers after the long line");
            assertEquals(RawRecords.TOO_LONG, rejected.get(text + ":" + longTextLine), rejected.toString());
            assertEquals(RawRecords.EMPTY_FILE, rejected.get(location("empty.jsonl" + compression) + ":0"));
            assertEquals(RawRecords.EMPTY_FILE, rejected.get(location("empty.txt" + compression) + ":0"));
        }
    }

    /**
     * A line past Jackson's 20M-character string limit, under the default record limit: too long, not malformed
     * JSON. Read from zstd, so the 21 MB line exists only as it streams through the reader.
     */
    @Test
    void aLinePastJacksonsLimitIsTooLongNotMalformed() throws IOException {
        Path huge = dir.resolve("huge.jsonl.zst");
        try (OutputStream out = new ZstdOutputStream(Files.newOutputStream(huge))) {
            out.write(json("ok", "short").getBytes(StandardCharsets.UTF_8));
            out.write("\n{\"id\": \"huge\", \"text\": \"".getBytes(StandardCharsets.UTF_8));
            byte[] block = "x".repeat(1 << 20).getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < 21; i++) {
                out.write(block);
            }
            out.write("\"}\n{broken\n".getBytes(StandardCharsets.UTF_8));
        }
        List<Row> rows = read(huge, ReaderConfig.defaults().maxRecordBytes(), c -> c);
        assertEquals(List.of("1 null", "2 " + RawRecords.TOO_LONG, "3 " + RawRecords.MALFORMED_JSON),
                rows.stream().map(r -> r.getLong(1) + " " + r.getString(6)).toList());
    }

    /** An uncompressed file cut into 64 KB splits: the 3 MB line spans many of them and is still one record. */
    @Test
    void aLongLineAcrossFileSplitsIsOneRecord() {
        List<Row> rows = read(corpus.resolve("long.jsonl"), LIMIT, c -> {
            c.setLong("mapreduce.input.fileinputformat.split.maxsize", 64 * 1024);
            return c;
        });
        assertEquals(List.of("1 null", "2 " + RawRecords.TOO_LONG, "3 " + RawRecords.BLANK_LINE, "4 null",
                "5 " + RawRecords.MALFORMED_JSON), rows.stream().map(r -> r.getLong(1) + " " + r.getString(6)).sorted().toList());
    }

    private static List<Row> read(Path file, int maxBytes, Function<Configuration, Configuration> configure) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Configuration conf = configure.apply(InputReader.configuration(sc));
        try {
            return JsonlReader.read(sc, List.of(new InputFiles.InputFile(file.toString(), InputFiles.Format.JSONL,
                    Files.size(file))), maxBytes, InvalidUtf8Policy.REPLACE, conf).collect();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String location(String name) {
        return "file:" + corpus.resolve(name);
    }

    private static void write(Path path, String content) throws IOException {
        OutputStream raw = Files.newOutputStream(path);
        OutputStream out = path.toString().endsWith(".gz") ? new GZIPOutputStream(raw)
                : path.toString().endsWith(".zst") ? new ZstdOutputStream(raw) : raw;
        try (out) {
            out.write(content.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static String json(String id, String text) {
        try {
            return JSON.writeValueAsString(Map.of("id", id, "text", text));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
