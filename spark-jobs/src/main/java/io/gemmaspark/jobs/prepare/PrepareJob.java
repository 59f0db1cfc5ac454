package io.gemmaspark.jobs.prepare;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import io.gemmaspark.filtering.FilterPipeline;
import io.gemmaspark.filtering.dedup.DedupConfig;
import io.gemmaspark.filtering.dedup.MinHasher;
import io.gemmaspark.filtering.normalize.InvalidUtf8Exception;
import io.gemmaspark.jobs.prepare.PrepareStages.Stage;
import io.gemmaspark.util.AtomicOutput;
import io.gemmaspark.util.Json;
import io.gemmaspark.util.UserError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * The prepare job: raw corpora → filtered, redacted, deduplicated documents in quality-staged Parquet shards, run as
 * materialised stages ({@link PrepareStages}) in the output's work area, so that {@code --resume} continues a
 * failed or killed run from the last complete stage:
 *
 * <pre>
 * read        every reader's records (JSONL / text / Parquet; bad records kept with their location) → Parquet
 * filter      FilterPipeline per record (normalise, input limits, PII, language, quality, blocklist, score, stage)
 * signatures  exact duplicates of the kept texts (one per SHA-256, the smallest (id, location) kept), and each kept
 *             document's shingle set and MinHash LSH band keys
 * buckets     documents sharing a band key: exact Jaccard of the checked pairs, on shingle sets
 * clusters    connected components of the pairs above the threshold; the smallest (id, location) of each is kept
 * write       kept/ shards and rejected/; then manifest.json and _SUCCESS (atomically)
 * </pre>
 *
 * Dedup runs on the filtered text, as in DataTrove and RefinedWeb: it is cheaper on the survivors, and duplicates
 * that differ only in redacted PII or removed boilerplate lines are still found. Nothing is cached: each stage
 * reads the previous ones' Parquet back, and every count comes from Spark aggregations over the one table of all
 * records, each record with its one final reason.
 */
public final class PrepareJob {
    /** The columns of kept/ (docs/data-formats.md), followed by one {@code <name>_score} per classifier. */
    public static final List<String> KEPT_COLUMNS =
            List.of("id", "text", "source", "quality_score", "stage", "n_chars", "n_words", "language", "language_score");

    /**
     * @param inputs     files, directories or globs on any Hadoop file system
     * @param out        output directory
     * @param strict     fail on the first bad input record instead of counting it
     * @param overwrite  replace an existing complete output
     * @param settings   reader, near-dup and output settings
     * @param filters    the filter pipeline (carries its configuration)
     * @param filtersRef where the filter configuration came from, for the manifest
     * @param resume     continue from the complete stages an interrupted run left in the output's work area
     */
    public record Request(List<String> inputs, String out, boolean strict, boolean overwrite,
                          PrepareSettings settings, FilterPipeline filters, String filtersRef, boolean resume) {
        public Request withResume(boolean resume) {
            return new Request(inputs, out, strict, overwrite, settings, filters, filtersRef, resume);
        }
    }

    private PrepareJob() {
    }

    public static PrepareReport run(SparkSession spark, Request request) {
        return run(spark, request, PrepareStages.Hook.NONE);
    }

    static PrepareReport run(SparkSession spark, Request request, PrepareStages.Hook hook) {
        StageProgress progress = new StageProgress("prepare");
        spark.sparkContext().addSparkListener(progress);
        try {
            return runUnguarded(spark, request, hook);
        } catch (Exception e) { // Spark rethrows task failures as the checked SparkException
            for (Throwable c = e; c != null; c = c.getCause()) {
                if (c instanceof InvalidUtf8Exception invalid) {
                    // invalid_utf8: fail stops at the first malformed byte, named with its file and line.
                    throw new UserError(invalid.getMessage(), e);
                }
            }
            if (e instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e);
        } finally {
            spark.sparkContext().removeSparkListener(progress);
        }
    }

    private static PrepareReport runUnguarded(SparkSession spark, Request request, PrepareStages.Hook hook) {
        long started = System.nanoTime();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Configuration conf = InputReader.configuration(sc);
        PrepareSettings settings = request.settings();
        FilterPipeline pipeline = request.filters();
        DedupConfig dedup = pipeline.config().dedup();
        InputFiles inputs = InputFiles.resolve(request.inputs(), settings.reader().forcedFormat(), conf);

        try (AtomicOutput output = AtomicOutput.beginResumable(request.out(), conf, request.overwrite(),
                request.resume())) {
            PrepareStages stages = PrepareStages.open(output.fileSystem(), output.tempPath(), conf, request.resume(),
                    PrepareReport.fingerprint(request, inputs), hook);
            long total = stages.run(Stage.READ, dir -> {
                spark.createDataFrame(readAll(sc, inputs, settings.reader(), pipeline, conf), RawRecords.SCHEMA)
                        .write().parquet(dir.toString());
                return Map.of("records", spark.read().parquet(dir.toString()).count());
            }).get("records");
            if (total == 0) {
                throw new UserError(String.join(", ", request.inputs()) + ": input is empty (no records in "
                        + inputs.files().size() + " files)");
            }
            stages.run(Stage.FILTER, dir -> {
                filter(read(spark, stages.path(Stage.READ)), pipeline)
                        .withColumn("vid", monotonically_increasing_id())
                        .write().parquet(dir.toString());
                return Map.of();
            });
            Dataset<Row> records = read(spark, stages.path(Stage.FILTER));
            if (request.strict()) {
                failOnFirstBadRecord(records);
            }

            Dataset<Row> kept = records.filter(col("reason").isNull());
            MinHasher hasher = new MinHasher(dedup.nearDuplicates());
            Path signatures = stages.path(Stage.SIGNATURES);
            stages.run(Stage.SIGNATURES, dir -> {
                exactDuplicates(kept, dedup.exact().enabled()).write().parquet(new Path(dir, "exact_duplicates").toString());
                if (dedup.nearDuplicates().enabled()) {
                    NearDuplicates.signatures(kept, hasher).write().parquet(new Path(dir, "documents").toString());
                }
                return Map.of();
            });
            Dataset<Row> exactDropped = read(spark, new Path(signatures, "exact_duplicates"));
            NearDuplicates.Stats near = null;
            Dataset<Row> nearDropped = null;
            if (dedup.nearDuplicates().enabled()) {
                Map<String, Long> buckets = stages.run(Stage.BUCKETS, dir -> NearDuplicates.checkBuckets(
                        read(spark, new Path(signatures, "documents")), exactDropped, hasher, settings.nearDup(),
                        dir.toString()));
                Map<String, Long> clusters = stages.run(Stage.CLUSTERS, dir -> NearDuplicates.cluster(spark,
                        read(spark, stages.path(Stage.BUCKETS)), kept, hasher.config().threshold(), dir.toString()));
                near = NearDuplicates.Stats.of(buckets, clusters);
                nearDropped = NearDuplicates.dropped(read(spark, stages.path(Stage.CLUSTERS)));
            }

            Dataset<Row> all = assemble(records, exactDropped, nearDropped);
            PrepareReport.Counts counts = PrepareReport.Counts.of(all, pipeline, settings.output().badInputSamples());
            long keptBytes = counts.keptTextBytes();
            int shards = (int) Math.max(1, Math.ceil(keptBytes / (settings.output().targetShardMb() * 1048576.0)));
            Path temp = output.tempPath();
            stages.run(Stage.WRITE, dir -> {
                write(all, temp, shards, settings.output().writeRejected(), output,
                        DocumentProcessing.classifierScoreColumns(pipeline));
                return Map.of();
            });
            stages.discard();

            double seconds = (System.nanoTime() - started) / 1e9;
            PrepareReport report = new PrepareReport(request, inputs, counts, near, listOutputs(output), shards,
                    stages.timings(), seconds, output.finalPath().toString());
            Json.write(report.manifest(), new Path(temp, "manifest.json"), conf);
            output.commit();
            return report;
        }
    }

    /**
     * The filter stage's per-record work on every record the readers give, nothing written: what {@code bench
     * prepare} measures as the filters-only throughput. Returns the number of records kept by the filters.
     */
    public static long filterOnly(SparkSession spark, Request request) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Configuration conf = InputReader.configuration(sc);
        InputFiles inputs = InputFiles.resolve(request.inputs(), request.settings().reader().forcedFormat(), conf);
        Dataset<Row> raw = spark.createDataFrame(readAll(sc, inputs, request.settings().reader(), request.filters(), conf),
                RawRecords.SCHEMA);
        return filter(raw, request.filters()).filter(col("reason").isNull()).count();
    }

    private static Dataset<Row> filter(Dataset<Row> raw, FilterPipeline pipeline) {
        return raw.mapPartitions((Iterator<Row> rows) -> DocumentProcessing.process(rows, pipeline),
                Encoders.row(DocumentProcessing.schema(pipeline)));
    }

    private static Dataset<Row> read(SparkSession spark, Path stage) {
        return spark.read().parquet(stage.toString());
    }

    /** kept/ and rejected/ in the output's work area, replacing what an interrupted write left there. */
    private static void write(Dataset<Row> all, Path temp, int shards, boolean writeRejected, AtomicOutput output,
                              List<String> scoreColumns) {
        try {
            output.fileSystem().delete(new Path(temp, "kept"), true);
            output.fileSystem().delete(new Path(temp, "rejected"), true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear " + temp, e);
        }
        writeKept(all, new Path(temp, "kept").toString(), shards, scoreColumns);
        if (writeRejected) {
            all.filter(col("reason").isNotNull())
                    .select(columns(List.of("id", "location", "source", "step", "reason", "detail", "text",
                            "language", "language_score"), scoreColumns))
                    .repartition(Math.max(1, shards / 4 + 1))
                    .sortWithinPartitions("location")
                    .write().option("compression", "zstd").parquet(new Path(temp, "rejected").toString());
        }
    }

    private static JavaRDD<Row> readAll(JavaSparkContext sc, InputFiles inputs, PrepareSettings.Reader reader,
                                        FilterPipeline pipeline, Configuration conf) {
        return InputReader.read(sc, inputs, reader, pipeline.config().normalize().invalidUtf8(), conf);
    }

    private static void failOnFirstBadRecord(Dataset<Row> records) {
        List<Row> first = records.filter(col("reason").isin(DocumentProcessing.BAD_INPUT_REASONS.toArray()))
                .orderBy("file", "line").select("location", "reason", "detail").limit(1).collectAsList();
        if (!first.isEmpty()) {
            Row bad = first.get(0);
            throw new UserError(bad.getString(0) + ": " + bad.getString(1)
                    + (bad.isNullAt(2) ? "" : " (" + bad.getString(2) + ")") + "; stopped by --strict");
        }
    }

    /** vid and exact_duplicate_of for every kept document whose text an earlier (id, location) already has. */
    private static Dataset<Row> exactDuplicates(Dataset<Row> kept, boolean enabled) {
        if (!enabled) {
            return kept.select(col("vid"), lit("").as("exact_duplicate_of")).limit(0);
        }
        WindowSpec sameText = Window.partitionBy("exact_hash").orderBy(col("id"), col("location"));
        return kept.select("vid", "id", "location", "exact_hash")
                .withColumn("rank", row_number().over(sameText))
                .withColumn("exact_duplicate_of", first("location").over(sameText))
                .filter(col("rank").gt(1))
                .select("vid", "exact_duplicate_of");
    }

    /** Every record once, with its final reason (null = kept) and the step that dropped it. */
    private static Dataset<Row> assemble(Dataset<Row> records, Dataset<Row> exactDropped, Dataset<Row> nearDropped) {
        // One join with both dedup decisions (a document is at most in one: near dedup runs on exact survivors):
        // the record table is joined once, and not at all when the decisions are small enough to broadcast.
        Dataset<Row> decisions = exactDropped.select(col("vid"), col("exact_duplicate_of"),
                lit(null).cast("string").as("near_duplicate_of"), lit(null).cast("long").as("cluster_size"));
        if (nearDropped != null) {
            decisions = decisions.unionByName(nearDropped.select(col("vid"),
                    lit(null).cast("string").as("exact_duplicate_of"), col("near_duplicate_of"), col("cluster_size")));
        }
        return records.join(decisions, "vid", "left_outer")
                .withColumn("step", when(col("exact_duplicate_of").isNotNull(), lit(DocumentProcessing.STEP_EXACT_DEDUP))
                        .when(col("near_duplicate_of").isNotNull(), lit(DocumentProcessing.STEP_NEAR_DEDUP))
                        .otherwise(col("step")))
                .withColumn("detail", when(col("exact_duplicate_of").isNotNull(),
                        concat(lit("same text as "), col("exact_duplicate_of")))
                        .when(col("near_duplicate_of").isNotNull(), concat(lit("near-duplicate cluster of "),
                                col("cluster_size").cast("string"), lit(", kept "), col("near_duplicate_of")))
                        .otherwise(col("detail")))
                .withColumn("reason", when(col("exact_duplicate_of").isNotNull(), lit(DocumentProcessing.DedupCheck.EXACT.reason.name()))
                        .when(col("near_duplicate_of").isNotNull(), lit(DocumentProcessing.DedupCheck.NEAR.reason.name()))
                        .otherwise(col("reason")))
                .drop("exact_duplicate_of", "near_duplicate_of", "cluster_size", "exact_hash");
    }

    /**
     * Kept documents in {@code shards} Parquet files. Rows are spread over shards by a hash of their location and
     * sorted by it within a shard: sources are mixed for training, and the same input gives the same files.
     */
    private static void writeKept(Dataset<Row> all, String path, int shards, List<String> scoreColumns) {
        all.filter(col("reason").isNull())
                .withColumn("order", xxhash64(col("location")))
                .repartitionByRange(shards, col("order"))
                .sortWithinPartitions("order")
                .select(columns(KEPT_COLUMNS, scoreColumns))
                .write().option("compression", "zstd").parquet(path);
    }

    /** {@code base} then the classifiers' score columns, as Spark columns. */
    private static org.apache.spark.sql.Column[] columns(List<String> base, List<String> scoreColumns) {
        return java.util.stream.Stream.concat(base.stream(), scoreColumns.stream()).map(c -> col(c))
                .toArray(org.apache.spark.sql.Column[]::new);
    }

    private static Map<String, Long> listOutputs(AtomicOutput output) {
        Map<String, Long> files = new TreeMap<>();
        try {
            var fs = output.fileSystem();
            var it = fs.listFiles(output.tempPath(), true);
            String root = output.tempPath().toUri().getPath();
            while (it.hasNext()) {
                FileStatus f = it.next();
                String name = f.getPath().toUri().getPath().substring(root.length() + 1);
                if (name.endsWith(".parquet")) {
                    files.put(name, f.getLen());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + output.tempPath(), e);
        }
        return files;
    }

    /** Sums of the map columns' values by key, for kept records and for all: {column or column/kept → key → sum}. */
    static Map<String, Map<String, Long>> sumMapColumns(Dataset<Row> all, List<String> columns) {
        Dataset<Row> entries = null;
        for (String column : columns) {
            Dataset<Row> one = all.select(lit(column).as("tag"), col("reason").isNull().as("kept"), explode(col(column)));
            entries = entries == null ? one : entries.unionByName(one);
        }
        Map<String, Map<String, Long>> out = new TreeMap<>();
        for (String column : columns) {
            out.put(column, new TreeMap<>());
            out.put(column + "/kept", new TreeMap<>());
        }
        for (Row r : entries.groupBy("tag", "kept", "key").agg(sum("value")).collectAsList()) {
            String tag = r.getString(0);
            out.get(tag).merge(r.getString(2), r.getLong(3), Long::sum);
            if (r.getBoolean(1)) {
                out.get(tag + "/kept").merge(r.getString(2), r.getLong(3), Long::sum);
            }
        }
        return out;
    }
}
