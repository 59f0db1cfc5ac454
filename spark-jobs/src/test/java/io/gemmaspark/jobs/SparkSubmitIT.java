package io.gemmaspark.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.training.sft.BaseCheckpoints;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The shaded jar runs under the real spark-submit entry point, in its own JVM, as it would on a cluster. */
class SparkSubmitIT {
    static Path shadedJar() throws Exception {
        try (var files = Files.list(Path.of("target"))) {
            return files.filter(p -> p.getFileName().toString().matches("gemma-spark-jobs-.*\\.jar"))
                    .findFirst().orElseThrow(() -> new AssertionError("shaded jar not built"));
        }
    }

    static List<String> sparkSubmit(String... args) throws Exception {
        String sparkClasspath = Files.readString(Path.of("target/spark-classpath.txt")).strip();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g"));
        command.addAll(List.of(System.getProperty("gemma.test.opens", "").split(" ")));
        command.removeIf(String::isBlank);
        command.addAll(List.of("-cp", sparkClasspath, "org.apache.spark.deploy.SparkSubmit"));
        command.addAll(List.of(args));
        return command;
    }

    @Test
    void infoRunsThroughSparkSubmitOnLocal2() throws Exception {
        List<String> command = sparkSubmit("--master", "local[2]", "--class", "io.gemmaspark.jobs.GemmaCli",
                shadedJar().toString(), "info");
        File log = Files.createTempFile("spark-submit", ".log").toFile();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "spark-submit finished");
        String output = Files.readString(log.toPath(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), output);
        assertTrue(output.contains("master local[2]"), output);
        assertTrue(output.contains("= 5000050000  OK"), output);
    }

    /**
     * SFT from the shaded jar on local[2] with two parameter-averaging workers: a small random Gemma with a BPE
     * tokenizer trained here on the shipped SFT text, a few steps, and the job's outputs.
     */
    @Test
    void sftRunsFromTheShadedJarThroughSparkSubmit() throws Exception {
        Path work = Files.createTempDirectory("sft-it");
        String base = BaseCheckpoints.create(work);

        Path out = work.resolve("sft");
        List<String> command = sparkSubmit("--master", "local[2]", "--class", "io.gemmaspark.jobs.GemmaCli",
                shadedJar().toString(), "sft", "--model", base, "--data",
                Path.of("../data/instruct/sft-train.jsonl").toAbsolutePath().toString(), "--eval-data",
                Path.of("../data/instruct/sft-heldout.jsonl").toAbsolutePath().toString(), "--packing",
                "--set", "steps=2", "--set", "validation.max_examples=4", "--set", "checkpoint.every_steps=2",
                "--out", out.toString());
        File log = Files.createTempFile("spark-submit-sft", ".log").toFile();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "spark-submit finished");
        String output = Files.readString(log.toPath(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), output);
        assertTrue(output.contains("sft: complete, 2 steps"), output);
        assertTrue(Files.exists(out.resolve("summary.json")), output);
        assertTrue(Files.exists(out.resolve("checkpoints/latest")) || Files.list(out.resolve("checkpoints"))
                .anyMatch(d -> d.getFileName().toString().startsWith("step-")), output);
    }
}
