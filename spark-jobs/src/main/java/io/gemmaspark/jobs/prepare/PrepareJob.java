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
import io.gemmaspark.filtering.dedup.MinHasher;
import io.gemmaspark.filtering.normalize.InvalidUtf8Exception;
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
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.storage.StorageLevel;

/**
 * The prepare job: raw corpora → filtered, redacted, deduplicated documents in quality-staged Parquet shards.
 *
 * <pre>
 * read (JSONL / text / Parquet, bad records kept with their location)
 *   → FilterPipeline per record (normalise, input limits, PII redaction, Gopher + C4 quality, blocklist, score, stage)
 *   → exact dedup of the kept texts (one per SHA-256, the smallest (id, location))
 *   → near-dup dedup (MinHash LSH candidates, exact Jaccard check, connected components, smallest per cluster)
 *   → kept/ shards, rejected/, manifest.json, _SUCCESS (atomically)
 * </pre>
 *
 * Dedup runs on the filtered text, as in DataTrove and RefinedWeb: it is cheaper on the survivors, and duplicates
 * that differ only in redacted PII or removed boilerplate lines are still found. Every count comes from Spark
 * aggregations over the one persisted table of all records, so nothing is counted twice on recomputation.
 */
public final class PrepareJob {
    private static final String COMPRESSED_CACHE = "spark.sql.inMemoryColumnarStorage.compressed";

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
     */
    public record Request(List<String> inputs, String out, boolean strict, boolean overwrite,
                          PrepareSettings settings, FilterPipeline filters, String filtersRef) {
    }

    private PrepareJob() {
    }

    public static PrepareReport run(SparkSession spark, Request request) {
        StageProgress progress = new StageProgress("prepare");
        spark.sparkContext().addSparkListener(progress);
        // The cached record table is mostly long distinct texts: Spark's columnar cache compression would spend
        // its time gathering dictionary/run-length statistics over them (copying every string) for nothing.
        String compressedCache = spark.conf().get(COMPRESSED_CACHE, "true");
        spark.conf().set(COMPRESSED_CACHE, "false");
        try {
            return runUnguarded(spark, request);
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
            spark.conf().set(COMPRESSED_CACHE, compressedCache);
            spark.sparkContext().removeSparkListener(progress);
        }
    }

    private static PrepareReport runUnguarded(SparkSession spark, Request request) {
        long started = System.nanoTime();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Configuration conf = InputReader.configuration(sc);
        PrepareSettings settings = request.settings();
        FilterPipeline pipeline = request.filters();
        InputFiles inputs = InputFiles.resolve(request.inputs(), settings.reader().forcedFormat(), conf);

        try (AtomicOutput output = AtomicOutput.begin(request.out(), conf, request.overwrite())) {
            Dataset<Row> raw = spark.createDataFrame(InputReader.read(sc, inputs, settings.reader(),
                    pipeline.config().normalize().invalidUtf8(), conf), RawRecords.SCHEMA);
            Dataset<Row> records = raw
                    .mapPartitions((Iterator<Row> rows) -> DocumentProcessing.process(rows, pipeline),
                            Encoders.row(DocumentProcessing.schema(pipeline)))
                    .withColumn("vid", monotonically_increasing_id())
                    .persist(StorageLevel.MEMORY_AND_DISK());
            long total = records.count();
            if (total == 0) {
                throw new UserError(String.join(", ", request.inputs()) + ": input is empty (no records in "
                        + inputs.files().size() + " files)");
            }
            if (request.strict()) {
                failOnFirstBadRecord(records);
            }

            Dataset<Row> kept = records.filter(col("reason").isNull());
            Dataset<Row> exactDropped = exactDuplicates(kept, pipeline.config().dedup().exact().enabled());
            Dataset<Row> exactSurvivors = kept.join(exactDropped.select("vid"), "vid", "left_anti");
            NearDuplicates.Result near = pipeline.config().dedup().nearDuplicates().enabled()
                    ? NearDuplicates.find(spark, exactSurvivors.select("vid", "id", "location", "text"),
                    new MinHasher(pipeline.config().dedup().nearDuplicates()), settings.nearDup())
                    : null;

            Dataset<Row> all = assemble(records, exactDropped, near == null ? null : near.dropped())
                    .persist(StorageLevel.MEMORY_AND_DISK());
            all.count();
            records.unpersist();
            exactDropped.unpersist();
            if (near != null) {
                near.release();
            }

            PrepareReport.Counts counts = PrepareReport.Counts.of(all, pipeline, settings.output().badInputSamples());
            long keptBytes = counts.keptTextBytes();
            int shards = (int) Math.max(1, Math.ceil(keptBytes / (settings.output().targetShardMb() * 1048576.0)));
            Path temp = output.tempPath();
            List<String> scoreColumns = DocumentProcessing.classifierScoreColumns(pipeline);
            writeKept(all, new Path(temp, "kept").toString(), shards, scoreColumns);
            if (settings.output().writeRejected()) {
                all.filter(col("reason").isNotNull())
                        .select(columns(List.of("id", "location", "source", "step", "reason", "detail", "text",
                                "language", "language_score"), scoreColumns))
                        .repartition(Math.max(1, shards / 4 + 1))
                        .sortWithinPartitions("location")
                        .write().option("compression", "zstd").parquet(new Path(temp, "rejected").toString());
            }
            all.unpersist();

            double seconds = (System.nanoTime() - started) / 1e9;
            PrepareReport report = new PrepareReport(request, inputs, counts, near == null ? null : near.stats(),
                    listOutputs(output), shards, seconds, output.finalPath().toString());
            Json.write(report.manifest(), new Path(temp, "manifest.json"), conf);
            output.commit();
            return report;
        }
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
                .select("vid", "exact_duplicate_of")
                .persist(StorageLevel.MEMORY_AND_DISK());
    }

    /** Every record once, with its final reason (null = kept) and the step that dropped it. */
    private static Dataset<Row> assemble(Dataset<Row> records, Dataset<Row> exactDropped, Dataset<Row> nearDropped) {
        Dataset<Row> all = records.join(exactDropped, "vid", "left_outer");
        if (nearDropped != null) {
            all = all.join(nearDropped, "vid", "left_outer");
        } else {
            all = all.withColumn("near_duplicate_of", lit(null).cast("string")).withColumn("cluster_size", lit(null).cast("long"));
        }
        return all
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
