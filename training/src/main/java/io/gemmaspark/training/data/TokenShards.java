package io.gemmaspark.training.data;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.xxhash64;

import io.gemmaspark.util.UserError;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The packed token shards (docs/data-formats.md: Parquet {@code tokens} array&lt;int&gt; of length seq_len + 1,
 * {@code stage}, {@code source}), split by a seeded content hash into training rows and held-out rows.
 * Everything here is a lazy Spark plan; no row reaches the driver.
 */
public final class TokenShards {
    static final List<String> COLUMNS = List.of("tokens", "stage", "source");
    private static final long HASH_RANGE = 1L << 53;

    private final Dataset<Row> rows;
    private final long seed;
    private final double holdoutFraction;

    private TokenShards(Dataset<Row> rows, long seed, double holdoutFraction) {
        this.rows = rows;
        this.seed = seed;
        this.holdoutFraction = holdoutFraction;
    }

    /** Opens the shards under {@code path} and checks their schema; row lengths are checked by {@link #validate}. */
    public static TokenShards open(SparkSession spark, String path, long seed, double holdoutFraction) {
        Dataset<Row> rows;
        try {
            // The tokenize job writes one directory per stage beside its manifest.json; read only the shards.
            rows = spark.read().option("recursiveFileLookup", "true").option("pathGlobFilter", "*.parquet")
                    .parquet(path);
        } catch (Exception e) {
            throw new UserError("data: cannot read token shards at " + path + ": " + e.getMessage(), e);
        }
        for (String column : COLUMNS) {
            if (!List.of(rows.columns()).contains(column)) {
                throw new UserError("data: token shards at " + path + " have no '" + column + "' column (columns: "
                        + String.join(", ", rows.columns()) + "; expected " + COLUMNS + ")");
            }
        }
        return new TokenShards(rows.select("tokens", "stage", "source"), seed, holdoutFraction);
    }

    /**
     * Checks every row has {@code seqLen + 1} tokens and every id is below the vocabulary, in one pass on the
     * executors. Returns the number of rows.
     */
    public long validate(String path, int seqLen, int vocabSize) {
        Row stats = rows.selectExpr(
                "count(1)",
                "sum(CASE WHEN size(tokens) = " + (seqLen + 1) + " THEN 0 ELSE 1 END)",
                "max(array_max(tokens))", "min(array_min(tokens))").first();
        long count = stats.getLong(0);
        if (count == 0) {
            throw new UserError("data: no rows in token shards at " + path);
        }
        long wrongLength = stats.getLong(1);
        if (wrongLength > 0) {
            throw new UserError("data: " + wrongLength + " of " + count + " rows in " + path
                    + " do not hold seq_len + 1 = " + (seqLen + 1) + " tokens (seq_len must match the tokenize job)");
        }
        int maxId = stats.getInt(2);
        int minId = stats.getInt(3);
        if (maxId >= vocabSize || minId < 0) {
            throw new UserError("data: token ids in " + path + " span [" + minId + ", " + maxId
                    + "] but the model's vocab_size is " + vocabSize + " (set model vocab_size to the tokenizer's)");
        }
        return count;
    }

    /** Uniform in [0,1) from the row's content and the given salt: reproducible wherever the row lives. */
    static Column unitHash(long seed, Column... salt) {
        Column[] parts = new Column[salt.length + 2];
        parts[0] = lit(seed);
        System.arraycopy(salt, 0, parts, 1, salt.length);
        parts[salt.length + 1] = col("tokens");
        return pmod(xxhash64(parts), lit(HASH_RANGE)).cast("double").divide((double) HASH_RANGE);
    }

    private Column holdoutHash() {
        return unitHash(seed, lit("holdout"));
    }

    public Dataset<Row> training() {
        return rows.where(holdoutHash().geq(holdoutFraction));
    }

    public Dataset<Row> heldOut() {
        return rows.where(holdoutHash().lt(holdoutFraction).and(size(col("tokens")).gt(1)));
    }

    /** At most {@code limit} held-out rows, a sample drawn by a seeded hash of each row (not the first rows). */
    public Dataset<Row> heldOutSample(int limit) {
        return heldOut().orderBy(unitHash(seed, lit("validation-sample"))).limit(limit);
    }

    public long seed() {
        return seed;
    }
}
