package io.gemmaspark.jobs.prepare;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.octet_length;
import static org.apache.spark.sql.functions.sum;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.gemmaspark.filtering.DropReason;
import io.gemmaspark.filtering.FilterPipeline;
import io.gemmaspark.util.Json;
import io.gemmaspark.util.Progress;
import io.gemmaspark.util.Sha256;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** What a prepare run did: the counts (from Spark aggregations), manifest.json and the one-screen summary. */
public final class PrepareReport {
    private final PrepareJob.Request request;
    private final InputFiles inputs;
    private final Counts counts;
    private final NearDuplicates.Stats near;
    private final Map<String, Long> outputFiles;
    private final int shards;
    private final Map<String, Object> stages;
    private final double seconds;
    private final String out;

    PrepareReport(PrepareJob.Request request, InputFiles inputs, Counts counts, NearDuplicates.Stats near,
                  Map<String, Long> outputFiles, int shards, Map<String, Object> stages, double seconds, String out) {
        this.request = request;
        this.inputs = inputs;
        this.counts = counts;
        this.near = near;
        this.outputFiles = outputFiles;
        this.shards = shards;
        this.stages = stages;
        this.seconds = seconds;
        this.out = out;
    }

    /** A bad input record as the manifest lists it. */
    public record BadRecord(String location, String reason, String detail) {
    }

    /**
     * Every count of a run, aggregated by Spark from the persisted table of all records.
     *
     * @param droppedByReason zero-filled with every reason the readers, filters and dedup can give
     */
    public record Counts(long records, long kept, long keptTextBytes, long keptChars, long keptWords,
                         Map<String, Long> droppedByReason, Map<String, Long> droppedByStep,
                         Map<Integer, Long> keptByStage, Map<String, Long> keptBySource,
                         Map<String, Long> redactions, Map<String, Long> redactionsInKept,
                         Map<String, Long> normalization, List<BadRecord> badInputSamples,
                         Map<String, Long> keptByLanguage, Map<String, Long> recordsByLanguage,
                         List<ClassifierCounts> classifiers) {

        public long dropped() {
            return records - kept;
        }

        static Counts of(Dataset<Row> all, FilterPipeline pipeline, int badSamples) {
            Map<String, Long> byReason = new LinkedHashMap<>();
            for (String reason : allReasons(pipeline)) {
                byReason.put(reason, 0L);
            }
            Map<String, Long> byStep = new LinkedHashMap<>();
            for (String step : List.of(DocumentProcessing.STEP_READ, DocumentProcessing.STEP_FILTER,
                    DocumentProcessing.STEP_EXACT_DEDUP, DocumentProcessing.STEP_NEAR_DEDUP)) {
                byStep.put(step, 0L);
            }
            Map<Integer, Long> byStage = new TreeMap<>();
            long records = 0;
            long kept = 0;
            long keptBytes = 0;
            long keptChars = 0;
            long keptWords = 0;
            Map<String, Long> bySource = new TreeMap<>();
            List<Row> groups = all.groupBy("reason", "step", "stage", "source")
                    .agg(count(lit(1)), sum(octet_length(col("text"))), sum("n_chars"), sum("n_words"))
                    .collectAsList();
            for (Row g : groups) {
                long n = g.getLong(4);
                records += n;
                if (g.isNullAt(0)) {
                    kept += n;
                    keptBytes += g.isNullAt(5) ? 0 : g.getLong(5);
                    keptChars += g.isNullAt(6) ? 0 : g.getLong(6);
                    keptWords += g.isNullAt(7) ? 0 : g.getLong(7);
                    byStage.merge(g.getInt(2), n, Long::sum);
                    bySource.merge(g.isNullAt(3) ? "(none)" : g.getString(3), n, Long::sum);
                } else {
                    byReason.merge(g.getString(0), n, Long::sum);
                    byStep.merge(g.getString(1), n, Long::sum);
                }
            }
            List<BadRecord> samples = new ArrayList<>();
            if (badSamples > 0) {
                for (Row r : all.filter(col("reason").isin(DocumentProcessing.BAD_INPUT_REASONS.toArray()))
                        .orderBy("file", "line").select("location", "reason", "detail").limit(badSamples)
                        .collectAsList()) {
                    samples.add(new BadRecord(r.getString(0), r.getString(1), r.getString(2)));
                }
            }
            Map<String, Map<String, Long>> sums = PrepareJob.sumMapColumns(all, List.of("redactions", "normalization"));
            Map<String, Long> keptByLanguage = new LinkedHashMap<>();
            Map<String, Long> recordsByLanguage = new LinkedHashMap<>();
            for (Row g : all.filter(col("language").isNotNull())
                    .groupBy(col("language"), col("reason").isNull().as("kept")).agg(count(lit(1)).as("n"))
                    .orderBy(col("n").desc(), col("language")).collectAsList()) {
                recordsByLanguage.merge(g.getString(0), g.getLong(2), Long::sum);
                if (g.getBoolean(1)) {
                    keptByLanguage.merge(g.getString(0), g.getLong(2), Long::sum);
                }
            }
            return new Counts(records, kept, keptBytes, keptChars, keptWords, byReason, byStep, byStage, bySource,
                    sums.get("redactions"), sums.get("redactions/kept"), sums.get("normalization"), samples,
                    sortedByCount(keptByLanguage), sortedByCount(recordsByLanguage),
                    ClassifierCounts.of(all, pipeline, byReason));
        }

        private static Map<String, Long> sortedByCount(Map<String, Long> counts) {
            Map<String, Long> sorted = new LinkedHashMap<>();
            counts.entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                    .forEach(e -> sorted.put(e.getKey(), e.getValue()));
            return sorted;
        }

        private static List<String> allReasons(FilterPipeline pipeline) {
            List<DropReason> declared = new ArrayList<>();
            for (RawRecords.ReadFailure failure : RawRecords.ReadFailure.values()) {
                declared.add(failure.reason);
            }
            declared.addAll(pipeline.dropReasons());
            for (DocumentProcessing.DedupCheck check : DocumentProcessing.DedupCheck.values()) {
                declared.add(check.reason);
            }
            // A reader and a filter may share a reason (input:too_long); it is listed once, where it first appears.
            return declared.stream().map(DropReason::name).distinct().toList();
        }
    }

    public Counts counts() {
        return counts;
    }

    public NearDuplicates.Stats nearDuplicates() {
        return near;
    }

    /** The manifest's key style: Java records' camelCase fields as snake_case. */
    private static final ObjectMapper SNAKE_CASE =
            Json.MAPPER.copy().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    public double seconds() {
        return seconds;
    }

    /** Per materialised stage: its seconds and whether this run resumed it. */
    public Map<String, Object> stageTimings() {
        return stages;
    }

    public long inputBytes() {
        return inputs.totalBytes();
    }

    public String out() {
        return out;
    }

    /** manifest.json: everything needed to know what produced this output and what was lost on the way. */
    public Map<String, Object> manifest() {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> config = configuration(request);
        m.put("job", "prepare");
        m.put("config", config);
        m.put("config_sha256", Sha256.hex(Json.pretty(config)));
        List<Map<String, Object>> files = inputFiles(inputs);
        m.put("inputs", Map.of("arguments", request.inputs(), "files", files, "skipped_files", inputs.skipped(),
                "bytes", inputs.totalBytes()));
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("records", counts.records());
        c.put("kept", counts.kept());
        c.put("dropped", counts.dropped());
        c.put("dropped_by_reason", counts.droppedByReason());
        c.put("dropped_by_step", counts.droppedByStep());
        c.put("kept_by_stage", counts.keptByStage());
        c.put("kept_by_source", counts.keptBySource());
        c.put("kept_by_language", counts.keptByLanguage());
        c.put("records_by_language", counts.recordsByLanguage());
        Map<String, Object> classifiers = new LinkedHashMap<>();
        for (ClassifierCounts cc : counts.classifiers()) {
            classifiers.put(cc.name(), SNAKE_CASE.convertValue(cc, Map.class));
        }
        c.put("classifiers", classifiers);
        c.put("kept_chars", counts.keptChars());
        c.put("kept_words", counts.keptWords());
        c.put("kept_text_bytes", counts.keptTextBytes());
        m.put("counts", c);
        m.put("redactions", Map.of("all_records", counts.redactions(), "kept", counts.redactionsInKept()));
        m.put("normalization", counts.normalization());
        m.put("bad_input_samples", counts.badInputSamples());
        if (near != null) {
            m.put("near_duplicates", near);
        }
        m.put("stages", stages);
        m.put("output", Map.of("kept_shards", shards, "files", outputFiles));
        m.put("seconds", Math.round(seconds * 10) / 10.0);
        return m;
    }

    /** What an interrupted run's work area must match to be resumed: the configuration and the input files. */
    static Map<String, Object> fingerprint(PrepareJob.Request request, InputFiles inputs) {
        return Map.of("config_sha256", Sha256.hex(Json.pretty(configuration(request))), "inputs", inputFiles(inputs));
    }

    private static Map<String, Object> configuration(PrepareJob.Request request) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("prepare", SNAKE_CASE.convertValue(request.settings(), Map.class));
        config.put("filters", SNAKE_CASE.convertValue(request.filters().config(), Map.class));
        config.put("filters_reference", request.filtersRef());
        config.put("strict", request.strict());
        return config;
    }

    private static List<Map<String, Object>> inputFiles(InputFiles inputs) {
        List<Map<String, Object>> files = new ArrayList<>();
        for (InputFiles.InputFile f : inputs.files()) {
            files.add(Map.of("path", f.path(), "format", f.format().name().toLowerCase(Locale.ROOT), "bytes", f.length()));
        }
        return files;
    }

    /** The one-screen summary printed at the end of a run. */
    public String summary() {
        StringBuilder s = new StringBuilder();
        double mb = inputs.totalBytes() / 1e6;
        s.append(String.format(Locale.ROOT, "prepare: %,d records from %,d files (%.1f MB) in %s: %,.0f records/s, %.2f MB/s%n",
                counts.records(), inputs.files().size(), mb, Progress.duration(seconds),
                counts.records() / seconds, mb / seconds));
        s.append(String.format(Locale.ROOT, "  kept     %,10d  (%.1f%%)  %,d words%n", counts.kept(),
                100.0 * counts.kept() / Math.max(1, counts.records()), counts.keptWords()));
        StringBuilder stages = new StringBuilder();
        counts.keptByStage().forEach((stage, n) -> stages.append(String.format(Locale.ROOT, "  %d: %,d", stage, n)));
        s.append("           by stage").append(stages).append('\n');
        if (!counts.recordsByLanguage().isEmpty()) {
            s.append("  language kept ").append(inline(top(counts.keptByLanguage(), 8))).append('\n');
            s.append("           detected ").append(inline(top(counts.recordsByLanguage(), 8))).append('\n');
        }
        counts.classifiers().forEach(cc -> s.append(cc.summaryLine()));
        s.append(String.format(Locale.ROOT, "  dropped  %,10d%n", counts.dropped()));
        counts.droppedByStep().forEach((step, n) -> {
            if (n > 0) {
                s.append(String.format(Locale.ROOT, "    at %-12s %,10d%n", step, n));
            }
        });
        counts.droppedByReason().forEach((reason, n) -> {
            if (n > 0) {
                s.append(String.format(Locale.ROOT, "    %-36s %,8d%n", reason, n));
            }
        });
        if (!counts.redactions().isEmpty()) {
            s.append("  redacted ").append(inline(counts.redactions())).append('\n');
        }
        if (!counts.normalization().isEmpty()) {
            s.append("  normalised ").append(inline(counts.normalization())).append('\n');
        }
        if (near != null) {
            s.append(String.format(Locale.ROOT, "  near-dup %,d candidate pairs, %,d above threshold, %,d clusters of %,d documents%n",
                    near.candidatePairs(), near.linkedPairs(), near.clusters(), near.documentsInClusters()));
        }
        List<BadRecord> bad = counts.badInputSamples();
        for (int i = 0; i < Math.min(3, bad.size()); i++) {
            BadRecord b = bad.get(i);
            s.append("  bad input ").append(b.location()).append(": ").append(b.reason())
                    .append(b.detail() == null ? "" : " (" + b.detail() + ")").append('\n');
        }
        if (bad.size() > 3) {
            s.append("  ... ").append(bad.size() - 3).append(" more bad-input samples in manifest.json\n");
        }
        List<String> resumed = this.stages.entrySet().stream()
                .filter(e -> e.getValue() instanceof Map<?, ?> t && Boolean.TRUE.equals(t.get("resumed")))
                .map(Map.Entry::getKey).toList();
        if (!resumed.isEmpty()) {
            s.append("  resumed  ").append(String.join(", ", resumed)).append(" (read back from the work area)\n");
        }
        s.append(String.format(Locale.ROOT, "  output   %s: kept/ (%d shards)%s, manifest.json, _SUCCESS%n", out, shards,
                request.settings().output().writeRejected() ? ", rejected/" : ""));
        return s.toString();
    }

    /** The first {@code n} entries, and the rest summed as "other". */
    private static Map<String, Long> top(Map<String, Long> counts, int n) {
        Map<String, Long> out = new LinkedHashMap<>();
        long other = 0;
        for (Map.Entry<String, Long> e : counts.entrySet()) {
            if (out.size() < n) {
                out.put(e.getKey(), e.getValue());
            } else {
                other += e.getValue();
            }
        }
        if (other > 0) {
            out.put("other", other);
        }
        return out;
    }

    private static String inline(Map<String, Long> counts) {
        StringBuilder s = new StringBuilder();
        counts.forEach((k, v) -> s.append(String.format(Locale.ROOT, "%s %,d  ", k, v)));
        return s.toString().strip();
    }
}
