package io.gemmaspark.training;

import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** A local[2] session and byte-level token shards of real text, shared by the pretraining tests of one class. */
abstract class SparkShardsTestBase {
    @TempDir
    static Path work;
    static SparkSession spark;
    static String shards;

    @BeforeAll
    static void start() throws Exception {
        spark = TestSpark.session(work);
        shards = TestSpark.writeShards(spark, work);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }
}
