package io.gemmaspark.training.data;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sequence;

import io.gemmaspark.training.config.MixtureComponent;
import io.gemmaspark.training.config.StageConfig;
import io.gemmaspark.training.model.LabelLayout;
import io.gemmaspark.util.AtomicOutput;
import io.gemmaspark.util.UserError;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import scala.Tuple2;

/**
 * The exact sequence of training rows one stage consumes, in order, written once as Parquet
 * ({@code position}, {@code component}, {@code tokens}) so that step {@code k} always reads rows
 * {@code [k*S, (k+1)*S)}: the order depends only on the data, the seed and the stage, never on partitioning,
 * cluster size or restarts. That is what makes resume exact.
 *
 * <p>The mixture is realised by a seeded interleave: row r of component c in repetition e gets the key
 * {@code (e + u_r) * N_c / p_c}, with {@code u_r} a uniform content hash, {@code N_c} the component's rows and
 * {@code p_c} its normalised weight. Keys of component c then arrive at rate {@code p_c} per unit of key, so a
 * global sort by key draws the components in proportion to their weights, each in its own shuffled order.
 */
public final class StagePlan {
    private static final StructType SCHEMA = new StructType()
            .add("position", DataTypes.LongType, false)
            .add("component", DataTypes.IntegerType, false)
            .add("tokens", DataTypes.createArrayType(DataTypes.IntegerType, false), false);

    private final SparkSession spark;
    private final String path;
    private final long rows;

    private StagePlan(SparkSession spark, String path, long rows) {
        this.spark = spark;
        this.path = path;
        this.rows = rows;
    }

    /**
     * Opens the plan at {@code path}, writing it first when absent. {@code rowsNeeded} is the stage's steps
     * times the sequences per step.
     */
    public static StagePlan prepare(SparkSession spark, TokenShards shards, StageConfig stage, int stageIndex,
            long rowsNeeded, String path) {
        if (!AtomicOutput.isComplete(path, spark.sparkContext().hadoopConfiguration())) {
            write(spark, shards, stage, stageIndex, rowsNeeded, path);
        }
        return new StagePlan(spark, path, rowsNeeded);
    }

    private static void write(SparkSession spark, TokenShards shards, StageConfig stage, int stageIndex,
            long rowsNeeded, String path) {
        Dataset<Row> training = shards.training();
        Map<List<String>, Long> countsByStageAndSource = new LinkedHashMap<>();
        for (Row row : training.groupBy("stage", "source").count().collectAsList()) {
            countsByStageAndSource.put(List.of(String.valueOf(row.get(0)), String.valueOf(row.get(1))), row.getLong(2));
        }
        double totalWeight = stage.totalWeight();
        Dataset<Row> keyed = null;
        for (int c = 0; c < stage.mixture().size(); c++) {
            MixtureComponent component = stage.mixture().get(c);
            long available = countsByStageAndSource.entrySet().stream()
                    .filter(e -> matches(component.quality(), e.getKey().get(0))
                            && matches(component.source(), e.getKey().get(1)))
                    .mapToLong(Map.Entry::getValue).sum();
            if (available == 0) {
                throw new UserError("stages." + stage.name() + ".mixture[" + c + "] (" + component.describe()
                        + "): no training rows match; the shards hold (stage, source) " + countsByStageAndSource.keySet());
            }
            double share = component.weight() / totalWeight;
            long repetitions = (long) Math.ceil((rowsNeeded * share + 1) / available) + 1;
            Dataset<Row> rows = training
                    .where(componentFilter(component))
                    .withColumn("component", lit(c))
                    .withColumn("repetition", explode(sequence(lit(0L), lit(repetitions - 1))))
                    .withColumn("key", col("repetition")
                            .plus(TokenShards.unitHash(shards.seed(), lit(stageIndex), lit(c), col("repetition")))
                            .multiply(available / share))
                    .select("key", "component", "repetition", "tokens");
            keyed = keyed == null ? rows : keyed.unionAll(rows);
        }
        JavaRDD<Row> ordered = keyed.orderBy("key", "component", "repetition").select("component", "tokens")
                .javaRDD().zipWithIndex()
                .filter(indexed -> indexed._2() < rowsNeeded)
                .map(indexed -> RowFactory.create(indexed._2(), indexed._1().getInt(0), indexed._1().getList(1).toArray()));
        try (AtomicOutput out = AtomicOutput.begin(path, spark.sparkContext().hadoopConfiguration(), true)) {
            spark.createDataFrame(ordered, SCHEMA).write().parquet(out.tempUri() + "/rows");
            out.commit();
        }
    }

    private static boolean matches(String pattern, String value) {
        return "*".equals(pattern) || pattern.equals(value);
    }

    private static org.apache.spark.sql.Column componentFilter(MixtureComponent component) {
        org.apache.spark.sql.Column filter = lit(true);
        if (!"*".equals(component.quality())) {
            filter = filter.and(col("stage").equalTo(component.quality()));
        }
        if (!"*".equals(component.source())) {
            filter = filter.and(col("source").equalTo(component.source()));
        }
        return filter;
    }

    public long rows() {
        return rows;
    }

    /** Rows drawn from each mixture component, in component order (a check that the mixture was honoured). */
    public List<Long> rowsByComponent(int components) {
        List<Long> counts = new ArrayList<>(java.util.Collections.nCopies(components, 0L));
        for (Row row : spark.read().parquet(path + "/rows").groupBy("component").count().collectAsList()) {
            counts.set(row.getInt(0), row.getLong(1));
        }
        return counts;
    }

    /**
     * The minibatches of rows {@code [first, first + workers*perWorker*batch)}: one partition per worker, each
     * holding its {@code perWorker} minibatches in plan order.
     */
    public JavaRDD<MultiDataSet> step(long first, int workers, int minibatchesPerWorker, int batchSize,
            LabelLayout layout) {
        long rowsPerWorker = (long) minibatchesPerWorker * batchSize;
        long end = first + workers * rowsPerWorker;
        JavaPairRDD<Long, int[]> rows = spark.read().parquet(path + "/rows")
                .where(col("position").geq(first).and(col("position").lt(end)))
                .select("position", "tokens")
                .javaRDD()
                .mapToPair(row -> new Tuple2<>(row.getLong(0), TokenBatches.ids(row.getList(1))));
        return rows.repartitionAndSortWithinPartitions(new WorkerPartitioner(first, rowsPerWorker, workers))
                .mapPartitions(new TokenBatches(batchSize, layout));
    }

    /** Sends a contiguous block of plan positions to each worker. */
    static final class WorkerPartitioner extends Partitioner {
        private final long first;
        private final long rowsPerWorker;
        private final int workers;

        WorkerPartitioner(long first, long rowsPerWorker, int workers) {
            this.first = first;
            this.rowsPerWorker = rowsPerWorker;
            this.workers = workers;
        }

        @Override
        public int numPartitions() {
            return workers;
        }

        @Override
        public int getPartition(Object position) {
            return (int) Math.min(workers - 1, ((Long) position - first) / rowsPerWorker);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof WorkerPartitioner p && p.first == first && p.rowsPerWorker == rowsPerWorker
                    && p.workers == workers;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(first) * 31 + workers;
        }
    }
}
