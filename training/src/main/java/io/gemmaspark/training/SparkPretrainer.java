package io.gemmaspark.training;

import io.gemmaspark.model.GemmaConfig;
import io.gemmaspark.model.checkpoint.CheckpointStore;
import io.gemmaspark.training.averaging.ParameterAveraging;
import io.gemmaspark.training.checkpoint.PretrainCheckpoints;
import io.gemmaspark.training.checkpoint.TrainerState;
import io.gemmaspark.training.config.PretrainConfig;
import io.gemmaspark.training.config.StageConfig;
import io.gemmaspark.training.data.StagePlan;
import io.gemmaspark.training.data.TokenBatches;
import io.gemmaspark.training.data.TokenShards;
import io.gemmaspark.training.metrics.LossCurvePlot;
import io.gemmaspark.training.metrics.MetricsLog;
import io.gemmaspark.training.metrics.StepMetrics;
import io.gemmaspark.training.metrics.WorkerMetricsListener.RoundMeans;
import io.gemmaspark.training.model.ModelFactories;
import io.gemmaspark.training.model.ModelFactory;
import io.gemmaspark.training.model.TrainingSettings;
import io.gemmaspark.util.Json;
import io.gemmaspark.util.Progress;
import io.gemmaspark.util.Sha256;
import io.gemmaspark.util.UserError;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
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
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Pretraining with DL4J parameter averaging on Spark. Each step is one averaging round ({@link ParameterAveraging});
 * between steps the driver logs metrics, validates and checkpoints. {@link #run} is the whole loop.
 */
public final class SparkPretrainer {
    private final PretrainConfig config;
    private final GemmaConfig shape;
    private final SparkSession spark;
    private final Configuration hadoop;
    private final String out;
    private final String workDir;
    private final List<TrainingHook> extraHooks = new ArrayList<>();
    private boolean collectTrainingStats;
    private long stopAfterSteps = Long.MAX_VALUE;

    // The run, set up by setUp() and advanced by trainOneRound().
    private ModelFactory factory;
    private TokenShards shards;
    private PretrainCheckpoints checkpoints;
    private WarmupCosineSchedule schedule;
    private ComputationGraph graph;
    private ParameterAveraging averaging;
    private TrainerState state;
    private Optional<PretrainCheckpoints.Loaded> restored;
    private JavaRDD<MultiDataSet> heldOut;
    private final Map<Integer, StagePlan> stagePlans = new LinkedHashMap<>();

    public SparkPretrainer(PretrainConfig config, SparkSession spark, String out, String workDir) {
        this.config = config;
        this.shape = config.modelShape();
        this.spark = spark;
        this.hadoop = spark.sparkContext().hadoopConfiguration();
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

    /** Runs {@code hook} on every worker around every minibatch (tests observe the optimiser through it). */
    public SparkPretrainer addWorkerHook(TrainingHook hook) {
        extraHooks.add(hook);
        return this;
    }

    /** What a run produced. Paths are absolute URIs. */
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

    public Result run(boolean resume) {
        MemoryPlan memory = checkMemoryPlan();
        setUp(resume);
        if (state.step() >= config.totalSteps()) {
            return nothingLeftToDo();
        }
        String metricsFile = out + "/metrics.jsonl";
        Progress progress = new Progress("pretrain", "steps", config.totalSteps());
        String checkpoint = restored.map(PretrainCheckpoints.Loaded::path).orElse(null);
        StepMetrics last = null;
        Double lastValidation = null;
        long stepsThisRun = 0;
        double secondsThisRun = 0;
        try (MetricsLog metrics = MetricsLog.open(metricsFile, hadoop, state.step())) {
            while (state.step() < config.totalSteps() && stepsThisRun < stopAfterSteps) {
                StepMetrics step = trainOneRound();
                if (state.step() % config.validation().everySteps() == 0 || state.step() == config.totalSteps()) {
                    lastValidation = validate();
                    step = step.withValidationLoss(lastValidation);
                }
                metrics.append(step);
                progress.update(state.step(), step.describe());
                stepsThisRun++;
                secondsThisRun += step.stepSeconds();
                last = step;
                boolean stopping = state.step() == config.totalSteps() || stepsThisRun == stopAfterSteps;
                if (state.step() % config.checkpoint().everySteps() == 0 || stopping) {
                    checkpoint = checkpoints.save(graph, state, attachments());
                }
            }
            return finish(metrics, metricsFile, memory, last, lastValidation, checkpoint,
                    stepsThisRun * config.tokensPerStep() / secondsThisRun);
        }
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
        return MemoryPlan.of(shape, config.seqLen(), config.spark().batchSizePerWorker(),
                config.memory().activationRecompute(), budget, source);
    }

    private MemoryPlan checkMemoryPlan() {
        MemoryPlan memory = memoryPlan();
        System.out.println(memory.describe());
        if (config.memory().enforce()) {
            memory.requireFits();
        }
        return memory;
    }

    /** Opens the data, builds the model (fresh or from the newest valid checkpoint) and the averaging master. */
    private void setUp(boolean resume) {
        factory = ModelFactories.forName(config.architecture());
        shards = TokenShards.open(spark, config.data(), config.seed(), config.validation().holdoutFraction());
        shards.validate(config.data(), config.seqLen(), shape.vocabSize());
        checkpoints = new PretrainCheckpoints(out + "/checkpoints", hadoop, config.checkpoint().keepLast());
        int averagingFrequency = config.spark().averagingFrequency();
        schedule = config.optimizer().schedule(averagingFrequency, config.totalSteps());
        TrainingSettings training = new TrainingSettings(config.optimizer(), schedule, config.seed(),
                config.memory().activationRecompute());
        graph = factory.build(shape, config.seqLen(), training);
        restored = resume ? checkpoints.loadLatest() : Optional.empty();
        if (restored.isPresent()) {
            state = restored.get().state();
            restored.get().restoreInto(graph);
            System.out.printf("pretrain: resuming from %s (step %d, %,d tokens seen)%n", restored.get().path(),
                    state.step(), state.tokensSeen());
        } else {
            if (!resume && exists(out + "/checkpoints/" + CheckpointStore.LATEST)) {
                throw new UserError(out + ": holds checkpoints of an earlier run; pass --resume to continue it, "
                        + "or choose another --out");
            }
            if (resume) {
                System.out.println("pretrain: --resume given but no complete checkpoint under " + out
                        + "/checkpoints; starting from step 0");
            }
            state = TrainerState.start(config.seed());
        }
        if (state.step() >= config.totalSteps()) {
            return;
        }
        averaging = new ParameterAveraging(JavaSparkContext.fromSparkContext(spark.sparkContext()), graph,
                config.spark(), state.masterSeed(), workDir + "/dl4j-export", collectTrainingStats);
        extraHooks.forEach(averaging::addHook);
        heldOut = heldOutBatches();
    }

    /** One step: every worker fits its minibatches of the stage plan's next rows, then the driver averages. */
    private StepMetrics trainOneRound() {
        int stageIndex = state.stageIndex();
        StageConfig stage = config.stages().get(stageIndex);
        long sequencesPerStep = config.sequencesPerStep();
        JavaRDD<MultiDataSet> minibatches = stagePlan(stageIndex).step(state.stepInStage() * sequencesPerStep,
                config.spark().workers(), config.spark().averagingFrequency(), config.spark().batchSizePerWorker(),
                factory.labelLayout());
        long started = System.nanoTime();
        RoundMeans round = averaging.fitRound(state.step(), minibatches);
        minibatches.unpersist(false);
        double seconds = (System.nanoTime() - started) / 1e9;

        long tokens = config.tokensPerStep();
        boolean lastOfStage = state.stepInStage() + 1 == config.stageSteps(stageIndex);
        long stepInStage = lastOfStage ? 0 : state.stepInStage() + 1;
        state = new TrainerState(state.step() + 1, lastOfStage ? stageIndex + 1 : stageIndex, stepInStage,
                stepInStage * sequencesPerStep, state.tokensSeen() + tokens,
                (state.step() + 1) * config.spark().averagingFrequency(), round.learningRate(), state.dataSeed(),
                state.modelSeed(), state.masterSeed(), state.elapsedSeconds() + seconds);
        return new StepMetrics(state.step(), stage.name(), round.loss(), round.learningRate(), round.gradNorm(),
                tokens / seconds, state.tokensSeen(), seconds, null, null);
    }

    private StagePlan stagePlan(int stageIndex) {
        return stagePlans.computeIfAbsent(stageIndex, s -> StagePlan.prepare(spark, shards, config.stages().get(s), s,
                config.stageSteps(s) * config.sequencesPerStep(), planPath(s)));
    }

    /** Held-out loss per token with the driver's averaged model. */
    private double validate() {
        return averaging.heldOutLoss(heldOut, config.spark().batchSizePerWorker());
    }

    private Result finish(MetricsLog metrics, String metricsFile, MemoryPlan memory, StepMetrics last, Double lastValidation,
            String checkpoint, double tokensPerSecond) {
        heldOut.unpersist(false);
        String plot = out + "/loss_curve.png";
        LossCurvePlot.write(metrics.history(), "gemma-spark pretraining: " + shape.name() + " ("
                + config.architecture() + ")", plot, hadoop);
        Map<String, List<Long>> rowsByComponent = new LinkedHashMap<>();
        stagePlans.forEach((s, plan) -> rowsByComponent.put(config.stages().get(s).name(),
                plan.rowsByComponent(config.stages().get(s).mixture().size())));
        Result result = new Result(state.step(), state.tokensSeen(), last.loss(), lastValidation, tokensPerSecond,
                absolute(checkpoint), absolute(metricsFile), absolute(plot), restored.isPresent(), memory,
                rowsByComponent, averaging.phaseMillis());
        Json.write(result, new Path(out, "summary.json"), hadoop);
        return result;
    }

    /** A finished run resumed again: say so, and leave its summary as it was. */
    private Result nothingLeftToDo() {
        Path summary = new Path(out, "summary.json");
        System.out.printf("pretrain: %s finished at step %d of %d; nothing left to do%n", out, state.step(),
                config.totalSteps());
        try (InputStream in = summary.getFileSystem(hadoop).open(summary)) {
            return Json.MAPPER.readValue(in, Result.class);
        } catch (IOException e) {
            throw new UserError(summary + ": the run is finished but its summary cannot be read (" + e.getMessage()
                    + ")");
        }
    }

    /** The held-out rows: a seeded sample of at most {@code validation.max_sequences}, cached on the executors. */
    private JavaRDD<MultiDataSet> heldOutBatches() {
        JavaRDD<MultiDataSet> batches = shards.heldOutSample(config.validation().maxSequences())
                .select("tokens").javaRDD()
                .map(row -> new scala.Tuple2<>(0L, TokenBatches.ids(row.getList(0))))
                .mapPartitions(new TokenBatches(config.spark().batchSizePerWorker(), factory.labelLayout()));
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
        return out + "/data-plan/" + stageIndex + "-" + stage.name() + "-" + Sha256.hex(identity).substring(0, 10);
    }

    private List<String> attachments() {
        return config.tokenizer() == null ? List.of() : List.of(config.tokenizer());
    }

    private String absolute(String path) {
        return HadoopPaths.absolute(path, hadoop);
    }

    private boolean exists(String path) {
        return HadoopPaths.exists(path, hadoop);
    }
}
