package io.gemmaspark.jobs;

import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Checks that Spark runs here: versions, master, and a small distributed job whose answer is known. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show versions and run a small Spark job to check the installation.")
public final class InfoCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    InfoCommand withOptions(CommonOptions options) {
        this.common = options;
        return this;
    }

    @Override
    public Integer call() {
        try (SparkSession spark = SparkSupport.session("info", common)) {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            long n = 100_000;
            List<Long> numbers = java.util.stream.LongStream.rangeClosed(1, n).boxed().toList();
            long sum = sc.parallelize(numbers, 4).reduce(Long::sum);
            boolean ok = sum == n * (n + 1) / 2;
            System.out.println("gemma-spark 0.1.0");
            System.out.println("  spark   " + spark.version() + "  master " + spark.sparkContext().master()
                    + "  default parallelism " + sc.defaultParallelism());
            System.out.println("  java    " + System.getProperty("java.version"));
            System.out.println("  check   sum(1.." + n + ") over 4 partitions = " + sum + (ok ? "  OK" : "  WRONG"));
            return ok ? 0 : 1;
        }
    }
}
