package io.gemmaspark.jobs.tokenizer;

import io.gemmaspark.jobs.prepare.PrepareSettings;
import io.gemmaspark.jobs.prepare.ReaderConfig;
import io.gemmaspark.jobs.prepare.ReasonCounter;
import io.gemmaspark.model.tokenizer.Tokenizer;
import io.gemmaspark.model.tokenizer.TokenizerFiles;
import io.gemmaspark.util.AtomicOutput;
import io.gemmaspark.util.Json;
import io.gemmaspark.util.UserError;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Tokenizes documents and packs them into token shards (docs/data-formats.md). Inputs are whatever {@code prepare}
 * reads ({@link TextInputs}); prepare's kept/ shards carry a stage and a source, raw corpora get stage
 * {@code default} and the source prepare would give them. Records that cannot be read are counted by reason.
 *
 * <p>Each document becomes {@code <bos> ids <eos>} (lossless encoding, so decoding gives the text back). Documents
 * of one (stage, source) are ordered by a seeded hash, concatenated and cut into rows of {@code seq_len + 1}
 * tokens; rows are shuffled by a second seeded hash and written per stage under {@code out/<stage>/} with columns
 * {@code tokens}, {@code stage} and {@code source}. The manifest counts documents, tokens, bytes and rows per stage
 * and source. Everything stays on the executors; only the counts reach the driver.
 */
public final class TokenizeJob {
    public static final StructType SCHEMA = new StructType()
            .add("tokens", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
            .add("stage", DataTypes.StringType, false)
            .add("source", DataTypes.StringType, false);

    /** Counts of one (stage, source) group. */
    public record GroupStats(String stage, String source, long documents, long tokens, long bytes, long rows,
                             long droppedTokens) implements Serializable {
        public double bytesPerToken() {
            long content = tokens - 2 * documents;
            return content == 0 ? 0 : (double) bytes / content;
        }
    }

    public record Summary(String out, int seqLen, List<GroupStats> groups, Map<String, Long> recordsSkipped,
                          double seconds) {
        public long tokens() {
            return groups.stream().mapToLong(GroupStats::tokens).sum();
        }

        public long rows() {
            return groups.stream().mapToLong(GroupStats::rows).sum();
        }
    }

    private TokenizeJob() {
    }

    /** @param reader how inputs are read: prepare's reader settings ({@link ReaderConfig}) */
    public static Summary run(SparkSession spark, TokenizeConfig config, PrepareSettings.Reader reader,
                              List<String> inputs, String tokenizerPath, String out, boolean overwrite) {
        long start = System.nanoTime();
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        byte[] modelBytes = TokenizerFiles.readBytes(tokenizerPath);
        Tokenizer checked = TokenizerFiles.fromBytes(modelBytes, tokenizerPath);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<byte[]> model = sc.broadcast(modelBytes);
        int partitions = config.partitions() > 0 ? config.partitions() : sc.defaultParallelism();
        long seed = config.seed();
        int rowLength = config.seqLen() + 1;

        try (AtomicOutput output = AtomicOutput.begin(out, hadoop, overwrite)) {
            ReasonCounter skipped = new ReasonCounter();
            spark.sparkContext().register(skipped, "records skipped");
            JavaRDD<TextInputs.Document> docs = TextInputs.documents(spark, inputs, reader, skipped);
            // (stage, source, order) -> ids of <bos> doc <eos>; bytes ride along for the compression figure.
            // Persisted: the skipped-record counts come from this, the only pass over the inputs.
            JavaPairRDD<GroupKey, int[]> tokenized = docs.mapPartitionsToPair(partition -> {
                Tokenizer tokenizer = TokenizerCache.get(model.value(), tokenizerPath);
                List<Tuple2<GroupKey, int[]>> result = new ArrayList<>();
                while (partition.hasNext()) {
                    TextInputs.Document doc = partition.next();
                    String text = doc.text();
                    int[] ids = tokenizer.encodeLossless(text, true, true);
                    long order = mix(seed, doc.id() == null ? text.hashCode() : doc.id().hashCode(), text.length());
                    result.add(new Tuple2<>(new GroupKey(doc.stage(), doc.source(), order,
                            text.getBytes(StandardCharsets.UTF_8).length), ids));
                }
                return result.iterator();
            }).persist(StorageLevel.MEMORY_AND_DISK_SER());

            JavaRDD<PackedRow> packed = tokenized
                    .repartitionAndSortWithinPartitions(new GroupPartitioner(partitions), GroupKey.ORDER)
                    .mapPartitions(group -> pack(group, rowLength, seed))
                    .persist(StorageLevel.MEMORY_AND_DISK_SER());

            Map<String, long[]> counts = new TreeMap<>();
            tokenized.mapToPair(t -> new Tuple2<>(t._1.stage + "\u0000" + t._1.source,
                            new long[] {1, t._2.length, t._1.bytes, 0}))
                    .union(packed.mapToPair(r -> new Tuple2<>(r.stage + "\u0000" + r.source, new long[] {0, 0, 0, 1})))
                    .reduceByKey((a, b) -> new long[] {a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]})
                    .collectAsMap().forEach(counts::put);
            List<GroupStats> groups = new ArrayList<>();
            counts.forEach((key, c) -> {
                String[] parts = key.split("\u0000", 2);
                groups.add(new GroupStats(parts[0], parts[1], c[0], c[1], c[2], c[3], c[1] - c[3] * rowLength));
            });
            if (groups.isEmpty()) {
                throw new UserError(String.join(", ", inputs) + ": no documents to tokenize (records skipped: "
                        + skipped.value() + ")");
            }

            for (String stage : groups.stream().map(GroupStats::stage).distinct().toList()) {
                JavaRDD<Row> rows = packed.filter(r -> r.stage.equals(stage))
                        .sortBy(r -> r.order, true, Math.max(1, partitions))
                        .map(r -> RowFactory.create(r.tokens, r.stage, r.source));
                spark.createDataFrame(rows, SCHEMA).write().parquet(new Path(output.tempPath(), safeName(stage)).toString());
            }
            tokenized.unpersist(false);
            packed.unpersist(false);

            Summary summary = new Summary(output.finalPath().toString(), config.seqLen(), groups, skipped.value(),
                    (System.nanoTime() - start) / 1e9);
            Map<String, Object> manifest = new LinkedHashMap<>();
            manifest.put("config", config);
            manifest.put("reader", reader);
            manifest.put("inputs", inputs);
            manifest.put("records_skipped", summary.recordsSkipped());
            manifest.put("tokenizer", Map.of("path", tokenizerPath, "vocab_size", checked.vocabSize(),
                    "bos_id", checked.bosId(), "eos_id", checked.eosId(), "pad_id", checked.padId()));
            manifest.put("row_length", rowLength);
            manifest.put("stages", perStage(groups));
            manifest.put("groups", groups);
            manifest.put("total", totals(groups));
            Json.write(manifest, new Path(output.tempPath(), "manifest.json"), hadoop);
            output.commit();
            return summary;
        }
    }

    /** Concatenates the documents of each group in order and cuts rows; a partial last row is dropped. */
    private static Iterator<PackedRow> pack(Iterator<Tuple2<GroupKey, int[]>> docs, int rowLength, long seed) {
        List<PackedRow> rows = new ArrayList<>();
        int[] buffer = new int[rowLength];
        int filled = 0;
        GroupKey group = null;
        while (docs.hasNext()) {
            Tuple2<GroupKey, int[]> doc = docs.next();
            if (group == null || !group.sameGroup(doc._1)) {
                filled = 0;
                group = doc._1;
            }
            int[] ids = doc._2;
            for (int i = 0; i < ids.length; ) {
                int n = Math.min(rowLength - filled, ids.length - i);
                System.arraycopy(ids, i, buffer, filled, n);
                filled += n;
                i += n;
                if (filled == rowLength) {
                    long order = mix(seed ^ 0x5DEECE66DL, doc._1.order, rows.size());
                    rows.add(new PackedRow(buffer.clone(), group.stage, group.source, order));
                    filled = 0;
                }
            }
        }
        return rows.iterator();
    }

    static long mix(long seed, long a, long b) {
        long h = seed * 0x9E3779B97F4A7C15L + a;
        h = (h ^ (h >>> 31)) * 0xBF58476D1CE4E5B9L + b;
        h = (h ^ (h >>> 27)) * 0x94D049BB133111EBL;
        return h ^ (h >>> 31);
    }

    private static String safeName(String stage) {
        String name = stage.replaceAll("[^A-Za-z0-9._-]", "_");
        return name.isEmpty() || name.startsWith(".") || name.startsWith("_") ? "stage-" + name : name;
    }

    private static Map<String, Object> perStage(List<GroupStats> groups) {
        Map<String, Object> stages = new TreeMap<>();
        for (String stage : groups.stream().map(GroupStats::stage).distinct().toList()) {
            stages.put(stage, totals(groups.stream().filter(g -> g.stage().equals(stage)).toList()));
        }
        return stages;
    }

    private static Map<String, Object> totals(List<GroupStats> groups) {
        long docs = groups.stream().mapToLong(GroupStats::documents).sum();
        long tokens = groups.stream().mapToLong(GroupStats::tokens).sum();
        long bytes = groups.stream().mapToLong(GroupStats::bytes).sum();
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("documents", docs);
        t.put("tokens", tokens);
        t.put("bytes", bytes);
        t.put("rows", groups.stream().mapToLong(GroupStats::rows).sum());
        t.put("dropped_tokens", groups.stream().mapToLong(GroupStats::droppedTokens).sum());
        t.put("bytes_per_token", tokens - 2 * docs == 0 ? 0 : (double) bytes / (tokens - 2 * docs));
        return t;
    }

    public static String describe(Summary s) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "tokenize: %s%n  %,d rows of %d tokens, %,d tokens in total, %.1f s%n  records %s%n", s.out(),
                s.rows(), s.seqLen() + 1, s.tokens(), s.seconds(),
                s.recordsSkipped().isEmpty() ? "none skipped" : "skipped " + s.recordsSkipped()));
        sb.append(String.format(Locale.ROOT, "  %-12s %-16s %10s %14s %10s %10s %11s%n", "stage", "source", "docs",
                "tokens", "rows", "dropped", "bytes/tok"));
        for (GroupStats g : s.groups()) {
            sb.append(String.format(Locale.ROOT, "  %-12s %-16s %,10d %,14d %,10d %,10d %11.3f%n", g.stage(),
                    g.source(), g.documents(), g.tokens(), g.rows(), g.droppedTokens(), g.bytesPerToken()));
        }
        return sb.toString().stripTrailing();
    }

    /** Sort key of a tokenized document: its group, then its seeded position. */
    static final class GroupKey implements Serializable {
        static final Comparator<GroupKey> ORDER = (Comparator<GroupKey> & Serializable) (a, b) -> {
            int c = a.stage.compareTo(b.stage);
            if (c == 0) {
                c = a.source.compareTo(b.source);
            }
            return c != 0 ? c : Long.compare(a.order, b.order);
        };

        final String stage;
        final String source;
        final long order;
        final long bytes;

        GroupKey(String stage, String source, long order, long bytes) {
            this.stage = stage;
            this.source = source;
            this.order = order;
            this.bytes = bytes;
        }

        boolean sameGroup(GroupKey other) {
            return stage.equals(other.stage) && source.equals(other.source);
        }
    }

    /** Spreads documents over partitions by their seeded order, so every group is packed in parallel. */
    static final class GroupPartitioner extends Partitioner {
        private final int partitions;

        GroupPartitioner(int partitions) {
            this.partitions = partitions;
        }

        @Override
        public int numPartitions() {
            return partitions;
        }

        @Override
        public int getPartition(Object key) {
            return (int) Long.remainderUnsigned(((GroupKey) key).order, partitions);
        }
    }

    /** One packed row before it becomes a Parquet row. */
    static final class PackedRow implements Serializable {
        final int[] tokens;
        final String stage;
        final String source;
        final long order;

        PackedRow(int[] tokens, String stage, String source, long order) {
            this.tokens = tokens;
            this.stage = stage;
            this.source = source;
            this.order = order;
        }
    }
}
