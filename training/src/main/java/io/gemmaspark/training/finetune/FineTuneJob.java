package io.gemmaspark.training.finetune;

import io.gemmaspark.training.HadoopPaths;
import io.gemmaspark.training.checkpoint.FineTuneResume;
import io.gemmaspark.training.checkpoint.PretrainCheckpoints;
import io.gemmaspark.training.config.CheckpointConfig;
import io.gemmaspark.training.config.OptimizerConfig;
import io.gemmaspark.training.config.SparkTrainingConfig;
import io.gemmaspark.training.model.TrainingSettings;
import io.gemmaspark.util.Json;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * What the fine-tuning trainers (SFT, reward model, RLOO) share around their round loop: the Spark context, the
 * output directory and what it holds ({@code checkpoints/}, {@code metrics.jsonl}, {@code baseline.json},
 * {@code summary.json}), pretraining's resume policy ({@link FineTuneResume}) and the optimiser settings.
 */
public final class FineTuneJob {
    private final String name;
    private final JavaSparkContext spark;
    private final Configuration hadoop;
    private final String out;
    private final String workDir;

    /**
     * @param name    the command, as the log lines name it
     * @param out     output directory, any Hadoop path
     * @param workDir local scratch directory (DL4J's minibatch export)
     */
    public FineTuneJob(String name, SparkSession spark, String out, String workDir) {
        this.name = name;
        this.spark = JavaSparkContext.fromSparkContext(spark.sparkContext());
        this.hadoop = spark.sparkContext().hadoopConfiguration();
        this.out = out;
        this.workDir = workDir;
    }

    public String name() {
        return name;
    }

    public JavaSparkContext spark() {
        return spark;
    }

    public Configuration hadoop() {
        return hadoop;
    }

    /** AdamW under the warmup-cosine schedule, which spans {@code updates} averaging rounds. */
    public static TrainingSettings trainingSettings(OptimizerConfig optimizer, SparkTrainingConfig sparkConfig,
            long updates, long seed) {
        return new TrainingSettings(optimizer, optimizer.schedule(sparkConfig.averagingFrequency(), updates), seed,
                false);
    }

    /** Decoder checkpoints (SFT, RLOO) under {@code out/checkpoints}, in pretraining's format. */
    public PretrainCheckpoints decoderCheckpoints(CheckpointConfig config) {
        return new PretrainCheckpoints(checkpointsDir(), hadoop, config.keepLast());
    }

    public String checkpointsDir() {
        return out + "/checkpoints";
    }

    /** Where a run with decoder checkpoints starts ({@link FineTuneResume#latest}). */
    public ResumePoint resumeFrom(PretrainCheckpoints checkpoints, boolean resume) {
        return FineTuneResume.latest(name, out, checkpoints, resume, hadoop)
                .map(loaded -> new ResumePoint(loaded.state().step(), loaded.state().tokensSeen(),
                        loaded.state().elapsedSeconds(), loaded::restoreInto))
                .orElse(ResumePoint.START);
    }

    /**
     * Where a run with checkpoints of its own kind starts.
     *
     * @param newest   the newest checkpoint that verifies, if any
     * @param describe names it for the log
     * @param point    what resuming from it means
     */
    public <T> ResumePoint resumeFrom(boolean resume, Supplier<Optional<T>> newest, Function<T, String> describe,
            Function<T, ResumePoint> point) {
        return FineTuneResume.latest(name, out, resume, newest, describe, hadoop).map(point)
                .orElse(ResumePoint.START);
    }

    /** The start figures, measured on a fresh start and read back on resume ({@link FineTuneResume#baseline}). */
    public <T> T baseline(Class<T> type, ResumePoint from, Supplier<T> measure) {
        return FineTuneResume.baseline(out, type, from.resumed(), measure, hadoop);
    }

    /** The summary of a run that a resume finds finished. */
    public <T> T finishedSummary(Class<T> type) {
        return FineTuneResume.finishedSummary(name, out, type, hadoop);
    }

    public String metricsFile() {
        return out + "/metrics.jsonl";
    }

    /** A file of the output directory, such as the run's plot. */
    public String outputFile(String fileName) {
        return out + "/" + fileName;
    }

    /** Where DL4J's {@code export} training approach writes minibatches. */
    String exportDir() {
        return workDir + "/dl4j-export";
    }

    /** The fully qualified URI of {@code path}, as results report paths. */
    public String absolute(String path) {
        return HadoopPaths.absolute(path, hadoop);
    }

    /** Writes {@code out/summary.json}, the run's last output; returns {@code result}. */
    public <T> T writeSummary(T result) {
        Json.write(result, new Path(out, "summary.json"), hadoop);
        return result;
    }
}
