package io.gemmaspark.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.training.checkpoint.PretrainCheckpoints;
import io.gemmaspark.training.data.SyntheticTokenShards;
import java.io.File;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pretraining on a real Spark standalone cluster on 127.0.0.1: a master and two workers, each in its own JVM,
 * with one single-core executor per worker; the shaded jar is submitted with SparkSubmit. The second test kills
 * one worker JVM mid-training and the job must still finish with a valid checkpoint.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PretrainClusterIT {
    private static final int SEQ_LEN = 32;
    @TempDir
    static Path work;
    static String masterUrl;
    static String shards;
    static final List<Process> cluster = new ArrayList<>();
    static Process secondWorker;

    @BeforeAll
    static void startCluster() throws Exception {
        try (SparkSession spark = SparkSession.builder().master("local[1]").appName("it-data")
                .config("spark.ui.enabled", "false").getOrCreate()) {
            shards = work.resolve("tokens").toString();
            SyntheticTokenShards.write(spark, shards, 3000, SEQ_LEN, 512, 11, 2);
        }
        Path sparkHome = fakeSparkHome();
        int port = freePort();
        masterUrl = "spark://127.0.0.1:" + port;
        cluster.add(launch(sparkHome, "master", "org.apache.spark.deploy.master.Master",
                "--host", "127.0.0.1", "--port", String.valueOf(port), "--webui-port", String.valueOf(freePort())));
        waitForLog(work.resolve("master.log"), "I have been elected leader", 120);
        for (int i = 1; i <= 2; i++) {
            Process worker = launch(sparkHome, "worker" + i, "org.apache.spark.deploy.worker.Worker",
                    "--host", "127.0.0.1", "--cores", "1", "--memory", "3g", "--webui-port", String.valueOf(freePort()),
                    "--work-dir", work.resolve("worker" + i).toString(), masterUrl);
            cluster.add(worker);
            waitForLog(work.resolve("worker" + i + ".log"), "Successfully registered with master", 120);
            secondWorker = worker;
        }
    }

    @AfterAll
    static void stopCluster() {
        for (Process p : cluster) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    @Test
    @Order(1)
    void pretrainsThroughSparkSubmitAndGathersTheCheckpointOnTheDriver() throws Exception {
        String out = work.resolve("run").toString();
        Process submit = submit(out, 8192, "run.log");
        assertTrue(submit.waitFor(10, TimeUnit.MINUTES), "spark-submit finished");
        String log = Files.readString(work.resolve("run.log"));
        assertEquals(0, submit.exitValue(), log);
        assertTrue(log.contains("pretrain: complete"), log);
        PretrainCheckpoints.Loaded last = verifiedLatest(out);
        assertEquals(8, last.state().step());
        assertEquals(8 * 1024, last.state().tokensSeen());
        assertTrue(Files.exists(Path.of(out, "loss_curve.png")));
        assertEquals(8, Files.readAllLines(Path.of(out, "metrics.jsonl")).size());
    }

    @Test
    @Order(2)
    void survivesLosingAWorkerMidTraining() throws Exception {
        String out = work.resolve("fault").toString();
        Process submit = submit(out, 12288, "fault.log");
        Path metrics = Path.of(out, "metrics.jsonl");
        Path firstCheckpoint = Path.of(out, "checkpoints", io.gemmaspark.model.checkpoint.CheckpointStore.LATEST);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(8);
        while (!Files.exists(firstCheckpoint) && System.nanoTime() < deadline && submit.isAlive()) {
            Thread.sleep(200);
        }
        assertTrue(submit.isAlive(), "still training when the worker is killed: " + Files.readString(work.resolve("fault.log")));
        int stepsBeforeKill = Files.readAllLines(metrics).size();
        assertTrue(stepsBeforeKill >= 2 && stepsBeforeKill < 12, "killed mid-training, after step " + stepsBeforeKill);
        secondWorker.descendants().forEach(ProcessHandle::destroyForcibly);
        secondWorker.destroyForcibly();
        assertTrue(submit.waitFor(10, TimeUnit.MINUTES), "spark-submit finished");
        String log = Files.readString(work.resolve("fault.log"));
        assertEquals(0, submit.exitValue(), log);
        assertTrue(log.contains("pretrain: complete"), log);
        PretrainCheckpoints.Loaded last = verifiedLatest(out);
        assertEquals(12, last.state().step(), "all steps done after losing the worker at step " + stepsBeforeKill);
        assertTrue(log.contains("Lost executor"), "an executor was really lost");
        System.out.println("fault run: worker killed after step " + stepsBeforeKill + "; finished 12 steps");
    }

    private static PretrainCheckpoints.Loaded verifiedLatest(String out) {
        PretrainCheckpoints store = new PretrainCheckpoints(out + "/checkpoints",
                new Configuration(), 3);
        PretrainCheckpoints.Loaded last = store.loadLatest().orElseThrow();
        assertTrue(store.verify(last.path()).isEmpty());
        assertTrue(last.params().length() > 0);
        return last;
    }

    private static Process submit(String out, long tokens, String logName) throws Exception {
        List<String> command = SparkSubmitIT.sparkSubmit("--master", masterUrl, "--deploy-mode", "client",
                "--class", "io.gemmaspark.jobs.GemmaCli",
                "--conf", "spark.executor.memory=1g", "--conf", "spark.executor.cores=1", "--conf", "spark.cores.max=2",
                "--conf", "spark.executorEnv.OMP_NUM_THREADS=1",
                "--conf", "spark.executor.extraJavaOptions=-Dorg.bytedeco.javacpp.cachedir="
                        + System.getProperty("user.home") + "/.cache/gemma-spark/javacpp",
                "--conf", "spark.task.maxFailures=4",
                SparkSubmitIT.shadedJar().toAbsolutePath().toString(),
                "pretrain", "--conf", "pretrain/tiny", "--out", out,
                "--set", "data=" + shards, "--set", "seq_len=" + SEQ_LEN, "--set", "vocab_size=512",
                "--set", "spark.workers=2", "--set", "spark.batch_size_per_worker=8",
                "--set", "spark.averaging_frequency=2", "--set", "checkpoint.every_steps=2",
                "--set", "validation.every_steps=4", "--set", "validation.max_sequences=32",
                "--set", "stages=[{name: all, tokens: " + tokens + ", mixture: [{weight: 1}]}]");
        command.add(1, "-Dorg.bytedeco.javacpp.cachedir=" + System.getProperty("user.home") + "/.cache/gemma-spark/javacpp");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(work.resolve(logName).toFile());
        builder.environment().put("OMP_NUM_THREADS", "1");
        builder.environment().put("GEMMA_WORK_DIR", work.resolve("gemma-work").toString());
        return builder.start();
    }

    /** A SPARK_HOME whose jars/ holds the project's Spark classpath, which the workers give their executors. */
    private static Path fakeSparkHome() throws Exception {
        Path home = work.resolve("spark-home");
        Path jars = Files.createDirectories(home.resolve("jars"));
        Files.writeString(home.resolve("RELEASE"), "Spark 3.5.9 (test layout)\n");
        for (String jar : Files.readString(Path.of("target/spark-classpath.txt")).strip().split(File.pathSeparator)) {
            Path source = Path.of(jar);
            Path link = jars.resolve(source.getFileName());
            if (!Files.exists(link)) {
                Files.createSymbolicLink(link, source);
            }
        }
        return home;
    }

    private static Process launch(Path sparkHome, String name, String mainClass, String... args) throws Exception {
        String classpath = Files.readString(Path.of("target/spark-classpath.txt")).strip();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m"));
        command.addAll(List.of(System.getProperty("gemma.test.opens", "").split(" ")));
        command.removeIf(String::isBlank);
        command.addAll(List.of("-cp", classpath, mainClass));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(work.resolve(name + ".log").toFile());
        builder.environment().put("SPARK_HOME", sparkHome.toString());
        builder.environment().put("SPARK_SCALA_VERSION", "2.12");
        builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        builder.environment().put("OMP_NUM_THREADS", "1");
        return builder.start();
    }

    private static void waitForLog(Path log, String text, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).contains(text)) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("no '" + text + "' in " + log + ":\n"
                + (Files.exists(log) ? Files.readString(log) : "(missing)"));
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
