package io.gemmaspark.jobs.prepare;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.gemmaspark.filtering.dedup.MinHasher;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
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
 * Near-duplicate clusters by MinHash LSH, computed entirely in Spark:
 * <ol>
 *   <li>every document's band keys ({@link MinHasher}), one (key, document) row per band;</li>
 *   <li>documents sharing a band key are candidate pairs (all pairs of a bucket, or, for a bucket larger than
 *       {@code max_bucket_size}, each member with the bucket's smallest);</li>
 *   <li>a candidate pair becomes an edge only if the exact Jaccard similarity of its shingle sets reaches the
 *       threshold, so LSH collisions never merge unrelated documents;</li>
 *   <li>clusters are the connected components of the edges (GraphX, min-label propagation), never collected;</li>
 *   <li>each cluster keeps its document with the smallest (id, location); the others are dropped.</li>
 * </ol>
 */
public final class NearDuplicates {
    private static final StructType BAND_ROWS = new StructType()
            .add("band_key", DataTypes.LongType, false)
            .add("vid", DataTypes.LongType, false);
    private static final StructType PAIRS = new StructType()
            .add("a", DataTypes.LongType, false)
            .add("b", DataTypes.LongType, false);
    private static final StructType SCORED_PAIRS = PAIRS.add("jaccard", DataTypes.DoubleType, false);
    private static final StructType COMPONENTS = new StructType()
            .add("vid", DataTypes.LongType, false)
            .add("component", DataTypes.LongType, false);

    /** What the stage found, for the manifest. */
    public record Stats(long candidatePairs, long linkedPairs, long clusters, long documentsInClusters,
                        long oversizedBuckets) {
    }

    /**
     * @param dropped  one row per dropped document: vid, near_duplicate_of (the kept member's location),
     *                 cluster_size; cached until {@link #release()}
     */
    public record Result(Dataset<Row> dropped, Stats stats, Dataset<Row> cached) {
        /** Frees the cached clusters once {@code dropped} has been used. */
        public void release() {
            cached.unpersist();
        }
    }

    private NearDuplicates() {
    }

    /** @param documents columns vid (unique), id, location, text */
    public static Result find(SparkSession spark, Dataset<Row> documents, MinHasher hasher,
                              PrepareSettings.NearDup settings) {
        int maxBucket = settings.maxBucketSize();
        double threshold = hasher.config().threshold();

        Dataset<Row> bandRows = documents.select("vid", "text").mapPartitions(
                (Iterator<Row> rows) -> bandKeys(rows, hasher), Encoders.row(BAND_ROWS));
        Dataset<Row> buckets = bandRows.groupBy("band_key").agg(collect_list("vid").as("members"))
                .filter(size(col("members")).gt(1))
                .select("members")
                .persist(StorageLevel.MEMORY_AND_DISK());
        long oversized = buckets.filter(size(col("members")).gt(maxBucket)).count();
        Dataset<Row> candidates = buckets.flatMap(
                        (Row bucket) -> bucketPairs(bucket.getList(0), maxBucket).iterator(), Encoders.row(PAIRS))
                .distinct()
                .persist(StorageLevel.MEMORY_AND_DISK());
        long candidateCount = candidates.count();
        buckets.unpersist();

        Dataset<Row> texts = documents.select("vid", "text");
        Dataset<Row> edges = candidates
                .join(texts.withColumnRenamed("vid", "a").withColumnRenamed("text", "text_a"), "a")
                .join(texts.withColumnRenamed("vid", "b").withColumnRenamed("text", "text_b"), "b")
                .select("a", "b", "text_a", "text_b")
                .mapPartitions((Iterator<Row> rows) -> similarities(rows, hasher), Encoders.row(SCORED_PAIRS))
                .filter(col("jaccard").geq(threshold))
                .persist(StorageLevel.MEMORY_AND_DISK());
        long linked = edges.count();
        candidates.unpersist();

        Graph<Object, Object> graph = connectedComponents(edges);
        Dataset<Row> components = spark.createDataFrame(graph.vertices().toJavaRDD()
                .map(v -> RowFactory.create((Long) v._1(), (Long) v._2())), COMPONENTS);
        WindowSpec cluster = Window.partitionBy("component").orderBy(col("id"), col("location"));
        WindowSpec wholeCluster = Window.partitionBy("component");
        Dataset<Row> members = components
                .join(documents.select("vid", "id", "location"), "vid")
                .withColumn("rank", row_number().over(cluster))
                .withColumn("near_duplicate_of", first("location").over(cluster))
                .withColumn("cluster_size", count(lit(1)).over(wholeCluster))
                .persist(StorageLevel.MEMORY_AND_DISK());
        Row sizes = members.agg(count(lit(1)), sum(when(col("rank").equalTo(1), 1L).otherwise(0L))).first();
        long inClusters = sizes.getLong(0);
        long clusters = sizes.isNullAt(1) ? 0 : sizes.getLong(1);
        edges.unpersist();
        graph.unpersist(false);
        Dataset<Row> dropped = members.filter(col("rank").gt(1))
                .select("vid", "near_duplicate_of", "cluster_size");
        return new Result(dropped, new Stats(candidateCount, linked, clusters, inClusters, oversized), members);
    }

    private static Iterator<Row> bandKeys(Iterator<Row> rows, MinHasher hasher) {
        List<Row> out = new ArrayList<>();
        return new Iterator<>() {
            int next = 0;

            @Override
            public boolean hasNext() {
                while (next >= out.size() && rows.hasNext()) {
                    out.clear();
                    next = 0;
                    Row row = rows.next();
                    long[] shingles = hasher.shingles(row.getString(1));
                    if (shingles.length == 0) {
                        continue; // no words: nothing to be a near-duplicate of
                    }
                    for (long key : hasher.bandKeys(hasher.signature(shingles))) {
                        out.add(RowFactory.create(key, row.getLong(0)));
                    }
                }
                return next < out.size();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                return out.get(next++);
            }
        };
    }

    /** Pairs (smaller vid, larger vid) of one bucket. */
    static List<Row> bucketPairs(List<Object> members, int maxBucket) {
        long[] ids = members.stream().mapToLong(m -> (Long) m).sorted().distinct().toArray();
        List<Row> pairs = new ArrayList<>();
        if (ids.length > maxBucket) {
            for (int j = 1; j < ids.length; j++) {
                pairs.add(RowFactory.create(ids[0], ids[j]));
            }
            return pairs;
        }
        for (int i = 0; i < ids.length; i++) {
            for (int j = i + 1; j < ids.length; j++) {
                pairs.add(RowFactory.create(ids[i], ids[j]));
            }
        }
        return pairs;
    }

    private static Iterator<Row> similarities(Iterator<Row> rows, MinHasher hasher) {
        return RawRecords.map(rows, pair -> RowFactory.create(pair.getLong(0), pair.getLong(1),
                MinHasher.jaccard(hasher.shingles(pair.getString(2)), hasher.shingles(pair.getString(3)))));
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
