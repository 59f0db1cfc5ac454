package io.gemmaspark.jobs;

import java.nio.file.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** Builds the SparkSession every job uses, with the settings that Java 17, ND4J and local runs need. */
public final class SparkSupport {
    private SparkSupport() {
    }

    public static SparkSession session(String appName, CommonOptions options) {
        SparkConf conf = new SparkConf().setAppName("gemma-spark " + appName);
        if (options.master != null) {
            conf.setMaster(options.master);
        } else if (!conf.contains("spark.master")) {
            conf.setMaster("local[*]");
        }
        Path work = workDir();
        conf.setIfMissing("spark.hadoop.hadoop.tmp.dir", work.resolve("hadoop-tmp").toString());
        conf.setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
        conf.setIfMissing("spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator");
        conf.setIfMissing("spark.sql.parquet.compression.codec", "zstd");
        conf.setIfMissing("spark.sql.shuffle.partitions", String.valueOf(Math.max(4, 2 * Runtime.getRuntime().availableProcessors())));
        if (conf.get("spark.master").startsWith("local")) {
            conf.setIfMissing("spark.ui.enabled", "false");
            conf.setIfMissing("spark.ui.showConsoleProgress", "false");
        }
        SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        return spark;
    }

    /** Scratch space for Spark and Hadoop; bin/gemma points it under the checkout. */
    public static Path workDir() {
        String env = System.getenv("GEMMA_WORK_DIR");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "gemma-spark-" + System.getProperty("user.name"));
    }
}
