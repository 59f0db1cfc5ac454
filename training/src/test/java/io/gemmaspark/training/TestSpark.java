package io.gemmaspark.training;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** A local[2] session configured like the jobs', and token shards made from real English text. */
public final class TestSpark {
    static final int SEQ_LEN = 32;

    private TestSpark() {
    }

    /** The tests' Spark session: local[2], Kryo with ND4J's registrator, no UI, Hadoop scratch under {@code work}. */
    public static SparkSession session(Path work) {
        return SparkSession.builder().master("local[2]").appName("training-test")
                .config("spark.ui.enabled", "false")
                .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .config("spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator")
                .config("spark.hadoop.hadoop.tmp.dir", work.resolve("hadoop-tmp").toString())
                .config("spark.sql.shuffle.partitions", "4")
                .getOrCreate();
    }

    /**
     * Byte-level token shards (vocabulary 256) of real text: rows of SEQ_LEN + 1 tokens, with a README as quality
     * "high" and code as "low". The texts are snapshots of the project's README, SparkPretrainer and pom in
     * {@code src/test/resources/corpus}, not the live files: the learning tests' thresholds are calibrated on this
     * corpus, and an edit of the README moved a held-out loss across one.
     */
    static String writeShards(SparkSession spark, Path dir) throws Exception {
        List<Row> rows = new ArrayList<>();
        addRows(rows, Path.of("src/test/resources/corpus/readme.md.txt"), "high", "readme");
        addRows(rows, Path.of("src/test/resources/corpus/spark-pretrainer.java.txt"), "low", "code");
        addRows(rows, Path.of("src/test/resources/corpus/pom.xml.txt"), "low", "code");
        StructType schema = new StructType()
                .add("tokens", DataTypes.createArrayType(DataTypes.IntegerType, false))
                .add("stage", DataTypes.StringType)
                .add("source", DataTypes.StringType);
        String path = dir.resolve("tokens").toString();
        spark.createDataFrame(rows, schema).repartition(3).write().parquet(path);
        return path;
    }

    private static void addRows(List<Row> rows, Path file, String stage, String source) throws Exception {
        byte[] bytes = Files.readString(file, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8);
        for (int start = 0; start + SEQ_LEN + 1 <= bytes.length; start += SEQ_LEN + 1) {
            Integer[] tokens = new Integer[SEQ_LEN + 1];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = bytes[start + i] & 0xff;
            }
            rows.add(RowFactory.create(tokens, stage, source));
        }
    }

    /** A model preset file for {@link OptimizerProbe#SMALL_GEMMA}: fast enough for many rounds in a unit test. */
    static String smallGemmaPreset(Path dir) throws Exception {
        var c = OptimizerProbe.SMALL_GEMMA;
        Path file = dir.resolve("small-gemma.yaml");
        Files.writeString(file, String.join("\n", "name: " + c.name(), "vocab_size: " + c.vocabSize(),
                "hidden_size: " + c.hiddenSize(), "num_hidden_layers: " + c.numHiddenLayers(),
                "num_attention_heads: " + c.numAttentionHeads(), "num_key_value_heads: " + c.numKeyValueHeads(),
                "head_dim: " + c.headDim(), "intermediate_size: " + c.intermediateSize(),
                "max_position_embeddings: " + c.maxPositionEmbeddings(), "rope_theta: " + c.ropeTheta(),
                "rms_norm_eps: " + c.rmsNormEps(), ""));
        return file.toString();
    }

    /** Entropy in nats of the unigram distribution of the shards' tokens. */
    static double unigramEntropy(SparkSession spark, String shards) {
        List<Row> counts = spark.read().parquet(shards).selectExpr("explode(tokens) AS t").groupBy("t").count()
                .collectAsList();
        double total = counts.stream().mapToLong(r -> r.getLong(1)).sum();
        double entropy = 0;
        for (Row row : counts) {
            double p = row.getLong(1) / total;
            entropy -= p * Math.log(p);
        }
        return entropy;
    }

    /** A small pretraining config over the given shards, as YAML with --set style overrides. */
    static List<String> overrides(String shards, String... extra) {
        List<String> all = new ArrayList<>(List.of(
                "data=" + shards, "seq_len=" + SEQ_LEN, "vocab_size=256",
                "model=models/tiny", "architecture=gemma-decoder",
                "spark.workers=2", "spark.batch_size_per_worker=8", "spark.averaging_frequency=2",
                "spark.prefetch_batches=0",
                "checkpoint.every_steps=4", "checkpoint.keep_last=2",
                "validation.every_steps=5", "validation.holdout_fraction=0.05", "validation.max_sequences=64"));
        all.addAll(List.of(extra));
        return all;
    }
}
