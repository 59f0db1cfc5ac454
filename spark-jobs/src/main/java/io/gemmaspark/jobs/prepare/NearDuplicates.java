package io.gemmaspark.jobs.prepare;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.gemmaspark.filtering.dedup.MinHasher;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.graphx.Graph;
import org.apache.spark.graphx.lib.ConnectedComponents;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.Option;
import scala.Tuple2;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * Near-duplicate clusters by MinHash LSH, computed entirely in Spark, as three materialised stages of the prepare
 * job ({@link PrepareStages}):
 * <ol>
 *   <li>signatures: every kept document's shingle set and LSH band keys ({@link MinHasher}), a narrow map;</li>
 *   <li>buckets: documents sharing a band key form a bucket; each bucket of two or more gathers its members'
 *       shingle sets (a document's set travels once per bucket it shares, at most once per band, never once per
 *       pair) and checks the exact Jaccard similarity of the pairs {@link BucketLinks} chooses;</li>
 *   <li>clusters: the pairs at or above the threshold are edges, so LSH collisions never merge unrelated documents;
 *       clusters are their connected components (GraphX, min-label propagation), never collected; each cluster
 *       keeps its document with the smallest (id, location) and the others are dropped.</li>
 * </ol>
 */
public final class NearDuplicates {
    static final StructType SIGNATURES = new StructType()
            .add("vid", DataTypes.LongType, false)
            .add("band_keys", DataTypes.createArrayType(DataTypes.LongType, false), false)
            .add("shingles", DataTypes.createArrayType(DataTypes.LongType, false), false);
    private static final StructType PAIRS = new StructType()
            .add("a", DataTypes.LongType, false)
            .add("b", DataTypes.LongType, false)
            .add("jaccard", DataTypes.DoubleType, false);
    private static final StructType COMPONENTS = new StructType()
            .add("vid", DataTypes.LongType, false)
            .add("component", DataTypes.LongType, false);

    /** What the stages found, for the manifest. */
    public record Stats(long candidatePairs, long linkedPairs, long clusters, long documentsInClusters,
                        long oversizedBuckets) {
        static Stats of(Map<String, Long> buckets, Map<String, Long> clusters) {
            return new Stats(buckets.get("candidate_pairs"), buckets.get("linked_pairs"), clusters.get("clusters"),
                    clusters.get("documents_in_clusters"), buckets.get("oversized_buckets"));
        }
    }

    private NearDuplicates() {
    }

    /**
     * Stage signatures: shingle set and band keys of each document; a document without words has none.
     *
     * @param documents columns vid, text
     */
    static Dataset<Row> signatures(Dataset<Row> documents, MinHasher hasher) {
        return documents.select("vid", "text").mapPartitions((Iterator<Row> rows) -> signatures(rows, hasher),
                Encoders.row(SIGNATURES));
    }

    /**
     * Stage buckets: writes every checked pair (a &lt; b, jaccard) to {@code out}, once even when the two share
     * several bands.
     *
     * @param signatures rows of {@link #SIGNATURES}
     * @param excluded   vids that take no part (exact duplicates, already dropped)
     * @return candidate_pairs, linked_pairs (at or above the threshold) and oversized_buckets
     */
    static Map<String, Long> checkBuckets(Dataset<Row> signatures, Dataset<Row> excluded, MinHasher hasher,
                                          PrepareSettings.NearDup settings, String out) {
        int maxBucket = settings.maxBucketSize();
        double threshold = hasher.config().threshold();
        Dataset<Row> bandRows = signatures.select(col("vid"), explode(col("band_keys")).as("band_key"))
                .join(excluded.select("vid"), "vid", "left_anti");
        // Band keys and vids only (16 bytes a row): most buckets are single documents, and only the others need
        // the shingle sets.
        Dataset<Row> buckets = bandRows.groupBy("band_key").agg(collect_list("vid").as("members"))
                .filter(size(col("members")).gt(1))
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            long oversized = buckets.filter(size(col("members")).gt(maxBucket)).count();
            Dataset<Row> memberships = buckets.select(col("band_key"), explode(col("members")).as("vid"));
            buckets.sparkSession().createDataFrame(memberships
                            .join(signatures.select("vid", "shingles"), "vid")
                            .groupBy("band_key")
                            .agg(collect_list(struct(col("vid"), col("shingles"))).as("members"))
                            .select("members")
                            .javaRDD()
                            .flatMap(bucket -> checkBucket(bucket.getList(0), maxBucket, threshold)), PAIRS)
                    .distinct()
                    .write().parquet(out);
            Row counts = buckets.sparkSession().read().parquet(out)
                    .agg(count(lit(1)), sum(when(col("jaccard").geq(threshold), 1L).otherwise(0L))).first();
            Map<String, Long> figures = new LinkedHashMap<>();
            figures.put("candidate_pairs", counts.getLong(0));
            figures.put("linked_pairs", counts.isNullAt(1) ? 0L : counts.getLong(1));
            figures.put("oversized_buckets", oversized);
            return figures;
        } finally {
            buckets.unpersist();
        }
    }

    /**
     * Stage clusters: writes one row per document in a cluster to {@code out}: vid, rank (1 = kept),
     * near_duplicate_of (the kept member's location) and cluster_size.
     *
     * @param pairs     the checked pairs of {@link #checkBuckets}
     * @param documents columns vid, id, location
     * @return clusters and documents_in_clusters
     */
    static Map<String, Long> cluster(SparkSession spark, Dataset<Row> pairs, Dataset<Row> documents, double threshold,
                                     String out) {
        Dataset<Row> edges = pairs.filter(col("jaccard").geq(threshold)).select("a", "b");
        Graph<Object, Object> graph = connectedComponents(edges);
        try {
            Dataset<Row> components = spark.createDataFrame(graph.vertices().toJavaRDD()
                    .map(v -> RowFactory.create((Long) v._1(), (Long) v._2())), COMPONENTS);
            WindowSpec cluster = Window.partitionBy("component").orderBy(col("id"), col("location"));
            WindowSpec wholeCluster = Window.partitionBy("component");
            components.join(documents.select("vid", "id", "location"), "vid")
                    .withColumn("rank", row_number().over(cluster))
                    .withColumn("near_duplicate_of", first("location").over(cluster))
                    .withColumn("cluster_size", count(lit(1)).over(wholeCluster))
                    .select("vid", "rank", "near_duplicate_of", "cluster_size")
                    .write().parquet(out);
        } finally {
            graph.unpersist(false);
        }
        Row sizes = spark.read().parquet(out)
                .agg(count(lit(1)), sum(when(col("rank").equalTo(1), 1L).otherwise(0L))).first();
        Map<String, Long> figures = new LinkedHashMap<>();
        figures.put("clusters", sizes.isNullAt(1) ? 0L : sizes.getLong(1));
        figures.put("documents_in_clusters", sizes.getLong(0));
        return figures;
    }

    /** The dropped members of the clusters stage's rows: vid, near_duplicate_of, cluster_size. */
    static Dataset<Row> dropped(Dataset<Row> clusterMembers) {
        return clusterMembers.filter(col("rank").gt(1)).select("vid", "near_duplicate_of", "cluster_size");
    }

    private static Iterator<Row> signatures(Iterator<Row> rows, MinHasher hasher) {
        return RawRecords.map(rows, row -> {
            long[] shingles = hasher.shingles(row.getString(1));
            // No words: no band keys, so the document is in no bucket (nothing to be a near-duplicate of).
            long[] bandKeys = shingles.length == 0 ? new long[0] : hasher.bandKeys(hasher.signature(shingles));
            return RowFactory.create(row.getLong(0), bandKeys, shingles);
        });
    }

    private static Iterator<Row> checkBucket(List<Row> members, int maxBucket, double threshold) {
        List<BucketLinks.Member> bucket = new ArrayList<>(members.size());
        for (Row m : members) {
            bucket.add(new BucketLinks.Member(m.getLong(0), longs(m.getList(1))));
        }
        return BucketLinks.check(bucket, maxBucket, threshold).stream()
                .map(p -> RowFactory.create(p.a(), p.b(), p.jaccard())).iterator();
    }

    private static long[] longs(List<Object> values) {
        long[] out = new long[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (Long) values.get(i);
        }
        return out;
    }

    /** Vertices labelled with the smallest vid of their component (GraphX's Pregel min-label propagation). */
    private static Graph<Object, Object> connectedComponents(Dataset<Row> edges) {
        ClassTag<Object> anyTag = ClassTag$.MODULE$.apply(Object.class);
        JavaRDD<Tuple2<Object, Object>> edgeTuples = edges.toJavaRDD()
                .map(e -> new Tuple2<>((Object) e.getLong(0), (Object) e.getLong(1)));
        Graph<Object, Object> graph = Graph.fromEdgeTuples(edgeTuples.rdd(), (Object) 0L, Option.empty(),
                StorageLevel.MEMORY_AND_DISK(), StorageLevel.MEMORY_AND_DISK(), anyTag);
        return ConnectedComponents.run(graph, anyTag, anyTag);
    }
}
