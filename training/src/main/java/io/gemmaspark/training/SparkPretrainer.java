package io.gemmaspark.training;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.gemmaspark.model.GemmaConfig;
import io.gemmaspark.training.checkpoint.PretrainCheckpoints;
import io.gemmaspark.training.checkpoint.TrainerState;
import io.gemmaspark.training.config.PretrainConfig;
import io.gemmaspark.training.config.SparkTrainingConfig;
import io.gemmaspark.training.config.StageConfig;
import io.gemmaspark.training.data.StagePlan;
import io.gemmaspark.training.data.TokenBatches;
import io.gemmaspark.training.data.TokenShards;
import io.gemmaspark.training.metrics.GradientNormListener;
import io.gemmaspark.training.metrics.LossCurvePlot;
import io.gemmaspark.training.metrics.MetricsLog;
import io.gemmaspark.training.metrics.StepMetrics;
import io.gemmaspark.training.model.LabelLayout;
import io.gemmaspark.training.model.ModelFactories;
import io.gemmaspark.training.model.ModelFactory;
import io.gemmaspark.util.Json;
import io.gemmaspark.util.Progress;
import io.gemmaspark.util.UserError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.stats.SparkTrainingStats;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.stats.EventStats;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Pretraining with DL4J parameter averaging on Spark. The driver holds the model; every step it broadcasts
 * parameters and Adam state, each worker fits {@code averaging_frequency} minibatches of its slice of the
 * step's rows (read from the stage plan on the executors), and the driver averages what comes back. Between
 * steps the driver logs metrics, validates and checkpoints.
 */
public final class SparkPretrainer {
    private static final String TIME_SOURCE_PROPERTY = "org.deeplearning4j.spark.time.TimeSource";
    private final PretrainConfig config;
    private final GemmaConfig shape;
    private final SparkSession spark;
    private final String out;
    private final String workDir;
    private boolean collectTrainingStats;
    private long stopAfterSteps = Long.MAX_VALUE;

    public SparkPretrainer(PretrainConfig config, SparkSession spark, String out, String workDir) {
        this.config = config;
        this.shape = config.modelShape();
        this.spark = spark;
        this.out = out;
        this.workDir = workDir;
    }

    /** Collects DL4J's per-phase timings (broadcast, worker fit, aggregation) for the benchmark. */
    public SparkPretrainer collectTrainingStats(boolean collect) {
        this.collectTrainingStats = collect;
        return this;
    }

    /** Stops (with a checkpoint) after this many steps in this invocation, as an interrupted run would. */
    public SparkPretrainer stopAfterSteps(long steps) {
        this.stopAfterSteps = steps;
        return this;
    }

    /** What a run produced. */
    public record Result(
            long steps,
            long tokensSeen,
            double finalLoss,
            Double finalValidationLoss,
            double tokensPerSecond,
            String checkpoint,
            String metricsFile,
            String plotFile,
            boolean resumed,
            MemoryPlan memory,
            Map<String, List<Long>> rowsByStageComponent,
            Map<String, Double> phaseMillis) {
    }

    public MemoryPlan memoryPlan() {
        String setting = config.memory().workerMemory();
        long budget;
        String source;
        if (!"auto".equalsIgnoreCase(setting)) {
            budget = MemoryPlan.parseSize(setting);
            source = "memory.worker_memory";
        } else {
            SparkConf conf = spark.sparkContext().getConf();
            int workers = config.spark().workers();
            if (conf.get("spark.master", "local").startsWith("local")) {
                budget = Pointer.maxBytes() / workers;
                source = "local JVM off-heap limit / " + workers + " workers";
            } else {
                long executor = conf.getSizeAsBytes("spark.executor.memory", "1g");
                long overhead = conf.getSizeAsBytes("spark.executor.memoryOverhead",
                        String.valueOf(Math.max(384L << 20, executor / 10)));
                int slots = Math.max(1, conf.getInt("spark.executor.cores", 1) / conf.getInt("spark.task.cpus", 1));
                budget = (executor + overhead) / slots;
                source = "spark.executor.memory + memoryOverhead per task slot";
            }
        }
        return MemoryPlan.of(shape, config.seqLen(), config.spark().batchSizePerWorker(), budget, source);
    }

    public Result run(boolean resume) {
        MemoryPlan memory = memoryPlan();
        System.out.println(memory.describe());
        if (config.memory().enforce()) {
            memory.requireFits();
        }
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        ModelFactory factory = ModelFactories.forName(config.architecture());
        SparkTrainingConfig sparkConfig = config.spark();
        TokenShards shards = TokenShards.open(spark, config.data(), config.seed(), config.validation().holdoutFraction());
        shards.validate(config.data(), config.seqLen(), shape.vocabSize());

        PretrainCheckpoints checkpoints = PretrainCheckpoints.forArchitecture(config.architecture(),
                out + "/checkpoints", hadoop, config.checkpoint().keepLast());
        WarmupCosineSchedule schedule = new WarmupCosineSchedule(config.optimizer().peakLr(),
                config.optimizer().minLr(), (long) config.optimizer().warmupSteps() * sparkConfig.averagingFrequency(),
                config.totalSteps() * sparkConfig.averagingFrequency());
        ComputationGraph graph;
        TrainerState state;
        Optional<PretrainCheckpoints.Loaded> restored = resume ? checkpoints.loadLatest() : Optional.empty();
        if (restored.isPresent()) {
            state = restored.get().state();
            graph = restored.get().restoreInto(factory.build(shape, config.seqLen(),
                    ModelFactories.training(config.optimizer(), schedule, config.seed())));
            System.out.printf("pretrain: resuming from %s (step %d, %,d tokens seen)%n", restored.get().path(),
                    state.step(), state.tokensSeen());
        } else {
            if (!resume && exists(out + "/checkpoints/" + PretrainCheckpoints.LATEST, hadoop)) {
                throw new UserError(out + ": holds checkpoints of an earlier run; pass --resume to continue it, "
                        + "or choose another --out");
            }
            if (resume) {
                System.out.println("pretrain: --resume given but no complete checkpoint under " + out
                        + "/checkpoints; starting from step 0");
            }
            state = TrainerState.start(config.seed());
            graph = factory.build(shape, config.seqLen(), ModelFactories.training(config.optimizer(), schedule, config.seed()));
        }

        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        if (collectTrainingStats) {
            // DL4J's stats default to an NTP clock (pool.ntp.org), unreachable from most clusters.
            System.setProperty(TIME_SOURCE_PROPERTY, System.getProperty(TIME_SOURCE_PROPERTY,
                    "org.deeplearning4j.spark.time.SystemClockTimeSource"));
        }
        ParameterAveragingTrainingMaster master = new ParameterAveragingTrainingMaster.Builder(
                sparkConfig.workers(), sparkConfig.batchSizePerWorker())
                .batchSizePerWorker(sparkConfig.batchSizePerWorker())
                .averagingFrequency(sparkConfig.averagingFrequency())
                .workerPrefetchNumBatches(sparkConfig.prefetchBatches())
                .saveUpdater(true)
                .repartionData(sparkConfig.repartition())
                .repartitionStrategy(sparkConfig.repartitionStrategy())
                .rddTrainingApproach(sparkConfig.trainingApproach())
                .exportDirectory(workDir + "/dl4j-export")
                .aggregationDepth(sparkConfig.aggregationDepth())
                .storageLevel(StorageLevel.MEMORY_ONLY_SER())
                .rngSeed(state.masterSeed())
                .collectTrainingStats(collectTrainingStats)
                .build();
        SparkComputationGraph sparkGraph = new SparkComputationGraph(jsc, graph, master);
        GradientNormListener gradNorms = new GradientNormListener(
                jsc.sc().doubleAccumulator("gradNormSum"), jsc.sc().longAccumulator("gradNormCount"));
        sparkGraph.setListeners(List.of(gradNorms));

        LabelLayout layout = factory.labelLayout();
        JavaRDD<MultiDataSet> heldOut = heldOutBatches(shards, layout);
        String metricsFile = out + "/metrics.jsonl";
        Map<String, List<Long>> rowsByComponent = new LinkedHashMap<>();
        long totalSteps = config.totalSteps();
        long sequencesPerStep = config.sequencesPerStep();
        long stepsThisRun = 0;
        double secondsThisRun = 0;
        long tokensThisRun = 0;
        Progress progress = new Progress("pretrain", "steps", totalSteps);
        String checkpointPath = restored.map(PretrainCheckpoints.Loaded::path).orElse(null);
        double lastLoss = Double.NaN;
        Double lastValidation = null;
        try (MetricsLog metrics = MetricsLog.open(metricsFile, hadoop, state.step())) {
            stages:
            for (int s = state.stageIndex(); s < config.stages().size(); s++) {
                StageConfig stage = config.stages().get(s);
                long stageSteps = config.stageSteps(s);
                StagePlan plan = StagePlan.prepare(spark, shards, stage, s, stageSteps * sequencesPerStep,
                        planPath(s));
                rowsByComponent.put(stage.name(), plan.rowsByComponent(stage.mixture().size()));
                for (long k = s == state.stageIndex() ? state.stepInStage() : 0; k < stageSteps; k++) {
                    JavaRDD<MultiDataSet> batches = plan.step(k * sequencesPerStep, sparkConfig.workers(),
                            sparkConfig.averagingFrequency(), sparkConfig.batchSizePerWorker(), layout);
                    long started = System.nanoTime();
                    sparkGraph.fitMultiDataSet(batches);
                    batches.unpersist(false);
                    double seconds = (System.nanoTime() - started) / 1e9;
                    long tokens = sequencesPerStep * config.seqLen();
                    long iteration = graph.getConfiguration().getIterationCount();
                    boolean lastOfStage = k + 1 == stageSteps;
                    state = new TrainerState(state.step() + 1, lastOfStage ? s + 1 : s, lastOfStage ? 0 : k + 1,
                            lastOfStage ? 0 : (k + 1) * sequencesPerStep, state.tokensSeen() + tokens, iteration,
                            schedule.at(iteration - 1), state.dataSeed(), state.modelSeed(), state.masterSeed(),
                            state.elapsedSeconds() + seconds);
                    stepsThisRun++;
                    secondsThisRun += seconds;
                    tokensThisRun += tokens;
                    // DL4J's score adds the weight-decay penalty; metrics report the data loss alone. (The workers'
                    // penalties were at their local parameters, this one at the average: a tiny difference.)
                    double penalty = graph.calcRegularizationScore(true);
                    lastLoss = factory.lossPerToken(sparkGraph.getScore() - penalty, config.seqLen());
                    boolean finished = state.step() == totalSteps;
                    boolean stopping = finished || stepsThisRun >= stopAfterSteps;
                    Double validation = null;
                    if (state.step() % config.validation().everySteps() == 0 || finished) {
                        validation = factory.lossPerToken(
                                sparkGraph.calculateScoreMultiDataSet(heldOut, true, sparkConfig.batchSizePerWorker())
                                        - penalty, config.seqLen());
                        lastValidation = validation;
                    }
                    metrics.append(new StepMetrics(state.step(), stage.name(), lastLoss, state.learningRate(),
                            gradNorms.takeMean(), tokens / seconds, state.tokensSeen(), seconds, validation));
                    progress.update(state.step(), String.format(Locale.ROOT, "stage %s  loss %.3f%s  lr %.2e  %,.0f tok/s",
                            stage.name(), lastLoss, validation == null ? "" : String.format(Locale.ROOT, "  val %.3f", validation),
                            state.learningRate(), tokens / seconds));
                    if (state.step() % config.checkpoint().everySteps() == 0 || stopping) {
                        checkpointPath = checkpoints.save(graph, state, modelConfigJson(), attachments());
                    }
                    if (stopping) {
                        break stages;
                    }
                }
            }
            heldOut.unpersist(false);
            String plot = out + "/loss_curve.png";
            LossCurvePlot.write(metrics.history(), "gemma-spark pretraining: " + shape.name() + " ("
                    + config.architecture() + ")", plot, hadoop);
            Result result = new Result(state.step(), state.tokensSeen(), lastLoss, lastValidation,
                    secondsThisRun > 0 ? tokensThisRun / secondsThisRun : 0, checkpointPath, metricsFile, plot,
                    restored.isPresent(), memory, rowsByComponent, phaseMillis(sparkGraph));
            Json.write(result, new Path(out, "summary.json"), hadoop);
            return result;
        }
    }

    /** The held-out rows, a bounded seeded sample, as minibatches cached on the executors for every evaluation. */
    private JavaRDD<MultiDataSet> heldOutBatches(TokenShards shards, LabelLayout layout) {
        JavaRDD<MultiDataSet> batches = shards.heldOut()
                .limit(config.validation().maxSequences())
                .select("tokens").javaRDD()
                .map(row -> new scala.Tuple2<>(0L, TokenBatches.ids(row.getList(0))))
                .mapPartitions(new TokenBatches(config.spark().batchSizePerWorker(), layout));
        batches.persist(StorageLevel.MEMORY_ONLY_SER());
        if (batches.count() == 0) {
            throw new UserError("validation.holdout_fraction: no held-out rows in " + config.data()
                    + "; raise the fraction or add data");
        }
        return batches;
    }

    private String planPath(int stageIndex) {
        StageConfig stage = config.stages().get(stageIndex);
        String identity = String.join("|", config.data(), String.valueOf(config.seed()),
                String.valueOf(config.seqLen()), String.valueOf(config.sequencesPerStep()),
                String.valueOf(config.validation().holdoutFraction()), String.valueOf(stageIndex), stage.toString(),
                String.valueOf(config.stageSteps(stageIndex)));
        return out + "/data-plan/" + stageIndex + "-" + stage.name() + "-" + sha256(identity).substring(0, 10);
    }

    private String modelConfigJson() {
        try {
            return Json.MAPPER.copy().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                    .writeValueAsString(shape);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<String> attachments() {
        return config.tokenizer() == null ? List.of() : List.of(config.tokenizer());
    }

    private static Map<String, Double> phaseMillis(SparkComputationGraph sparkGraph) {
        Map<String, Double> totals = new LinkedHashMap<>();
        SparkTrainingStats stats = sparkGraph.getSparkTrainingStats();
        if (stats == null) {
            return totals;
        }
        for (String key : stats.getKeySet()) {
            double ms = 0;
            for (EventStats event : stats.getValue(key)) {
                ms += event.getDurationMs();
            }
            totals.put(key, ms);
        }
        return totals;
    }

    private static boolean exists(String path, Configuration conf) {
        try {
            Path p = new Path(path);
            return p.getFileSystem(conf).exists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
