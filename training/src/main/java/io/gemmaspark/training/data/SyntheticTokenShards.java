package io.gemmaspark.training.data;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Token shards in the tokenizer's format generated on the executors from a seeded sparse Markov chain (each
 * token has a handful of likely successors), for benchmarks and cluster tests that must not depend on a
 * prepared corpus. Rows alternate between quality stages {@code low} and {@code high}.
 */
public final class SyntheticTokenShards {
    public static final StructType SCHEMA = new StructType()
            .add("tokens", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
            .add("stage", DataTypes.StringType, false)
            .add("source", DataTypes.StringType, false);
    private static final int SUCCESSORS = 4;

    private SyntheticTokenShards() {
    }

    public static void write(SparkSession spark, String path, long rows, int seqLen, int vocab, long seed,
            int partitions) {
        spark.range(0, rows, 1, partitions).as(Encoders.LONG())
                .mapPartitions((MapPartitionsFunction<Long, Row>) ids -> generate(ids, seqLen, vocab, seed),
                        Encoders.row(SCHEMA))
                .write().mode("overwrite").parquet(path);
    }

    private static Iterator<Row> generate(Iterator<Long> ids, int seqLen, int vocab, long seed) {
        int[][] successors = new int[vocab][SUCCESSORS];
        SplittableRandom chain = new SplittableRandom(seed);
        for (int[] next : successors) {
            for (int i = 0; i < SUCCESSORS; i++) {
                next[i] = chain.nextInt(vocab);
            }
        }
        List<Row> out = new ArrayList<>();
        while (ids.hasNext()) {
            long id = ids.next();
            SplittableRandom random = new SplittableRandom(seed * 1_000_003L + id);
            Integer[] tokens = new Integer[seqLen + 1];
            int token = random.nextInt(vocab);
            for (int t = 0; t <= seqLen; t++) {
                tokens[t] = token;
                token = random.nextInt(10) == 0 ? random.nextInt(vocab) : successors[token][random.nextInt(SUCCESSORS)];
            }
            out.add(RowFactory.create(tokens, id % 2 == 0 ? "low" : "high", "synthetic"));
        }
        return out.iterator();
    }
}
