package io.gemmaspark.jobs.demo;

import io.gemmaspark.jobs.CommonOptions;
import io.gemmaspark.jobs.PrepareCommand;
import io.gemmaspark.jobs.SparkSupport;
import io.gemmaspark.jobs.prepare.PrepareJob;
import io.gemmaspark.jobs.prepare.PrepareReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/** Demo stage 1: the bundled sample corpus → {@code <out>/prepared} (kept/ shards, manifest.json). */
public final class PrepareStage {
    private PrepareStage() {
    }

    /** Runs prepare and returns the directory of clean documents for the next stage. */
    public static String run(DemoConfig demo, CommonOptions common) {
        String out = demo.out() + "/prepared";
        List<String> inputs = demo.inputs().stream().map(PrepareStage::underHome).toList();
        PrepareJob.Request request = PrepareCommand.request(inputs, out, false, true, demo.prepare(),
                demo.filters(), List.of());
        try (SparkSession spark = SparkSupport.session("demo prepare", common)) {
            PrepareReport report = PrepareJob.run(spark, request);
            System.out.print(report.summary());
        }
        return out;
    }

    /** data/sample and friends resolve against the checkout when the demo is started from another directory. */
    static String underHome(String input) {
        String home = System.getenv("GEMMA_HOME");
        Path path = Path.of(input);
        if (home == null || path.isAbsolute() || input.contains(":") || Files.exists(path)) {
            return input;
        }
        Path inHome = Path.of(home).resolve(input);
        return Files.exists(inHome) ? inHome.toString() : input;
    }
}
