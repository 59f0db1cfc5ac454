package io.gemmaspark.training.reward;

import io.gemmaspark.model.GemmaWeights;
import io.gemmaspark.model.chat.ChatTemplate;
import io.gemmaspark.model.checkpoint.CheckpointStore;
import io.gemmaspark.model.checkpoint.HfCheckpoint;
import io.gemmaspark.model.checkpoint.HfConfigJson;
import io.gemmaspark.model.checkpoint.NativeCheckpoint;
import io.gemmaspark.model.checkpoint.TensorDtype;
import io.gemmaspark.model.checkpoint.TensorSource;
import io.gemmaspark.model.decoder.ParamLayout;
import io.gemmaspark.training.EpochOrder;
import io.gemmaspark.training.HadoopPaths;
import io.gemmaspark.training.WarmupCosineSchedule;
import io.gemmaspark.training.averaging.ParameterAveraging;
import io.gemmaspark.training.checkpoint.FineTuneResume;
import io.gemmaspark.training.config.RewardConfig;
import io.gemmaspark.training.metrics.LossCurvePlot;
import io.gemmaspark.training.metrics.MetricsLog;
import io.gemmaspark.training.metrics.StepMetrics;
import io.gemmaspark.training.metrics.WorkerMetricsListener.RoundMeans;
import io.gemmaspark.training.model.FineTuneStart;
import io.gemmaspark.training.model.RewardModel;
import io.gemmaspark.training.model.TrainingSettings;
import io.gemmaspark.training.sft.DataManifest;
import io.gemmaspark.util.Json;
import io.gemmaspark.util.Progress;
import io.gemmaspark.util.UserError;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Bradley–Terry reward-model training on Spark: the backbone of a (usually SFT) checkpoint plus a fresh
 * {@code score.weight} head, trained on preference pairs by the same parameter-averaging rounds as pretraining
 * and SFT ({@link ParameterAveraging}, {@link TrainingSettings}, {@link MetricsLog}, {@link LossCurvePlot}).
 * Checkpoints are native checkpoints in Hugging Face's {@code GemmaForSequenceClassification} layout: the
 * decoder's {@code model.*} tensors plus {@code score.weight}.
 */
public final class SparkRewardTrainer {
    public static final String SCORE_WEIGHT = io.gemmaspark.model.checkpoint.HfCheckpoint.SCORE_WEIGHT;

    private final RewardConfig config;
    private final SparkSession spark;
    private final Configuration hadoop;
    private final String out;
    private final String workDir;

    public SparkRewardTrainer(RewardConfig config, SparkSession spark, String out, String workDir) {
        this.config = config;
        this.spark = spark;
        this.hadoop = spark.sparkContext().hadoopConfiguration();
        this.out = out;
        this.workDir = workDir;
    }

    public record Result(long steps, double finalLoss, RewardEvaluation before, RewardEvaluation after,
            DataManifest trainData, DataManifest heldOutData, String checkpoint, String metricsFile, String plotFile) {
    }

    /** @param resume continue from the newest valid checkpoint under {@code out/checkpoints} (exactly) */
    public Result run(boolean resume) {
        FineTuneStart start = FineTuneStart.load(config.model(), hadoop);
        ChatTemplate template = new ChatTemplate(start.codec(), start.bosId());
        PreferenceData train = PreferenceData.read(config.data(), hadoop, template, config.seqLen(), config.strict());
        PreferenceData heldOut = PreferenceData.read(config.evalData(), hadoop, template, config.seqLen(),
                config.strict());
        System.out.println("reward-train: train pairs " + train.manifest().describe());
        System.out.println("reward-train: held-out pairs " + heldOut.manifest().describe());

        int frequency = config.spark().averagingFrequency();
        WarmupCosineSchedule schedule = config.optimizer().schedule(frequency, config.steps());
        ComputationGraph graph = RewardModel.build(start.shape(),
                new TrainingSettings(config.optimizer(), schedule, config.seed(), false), config.centerRewardsCoefficient());
        RewardModel.copyBackbone(start.weights(), graph);
        CheckpointStore store = new CheckpointStore(out + "/checkpoints", config.checkpoint().keepLast(), hadoop);
        Optional<Path> restored = FineTuneResume.latest("reward-train", out, resume, store::latestValid,
                Path::toString, hadoop);
        long firstStep = restored.map(dir -> NativeCheckpoint.trainerState(dir, hadoop).path("step").asLong())
                .orElse(0L);
        if (firstStep >= config.steps()) {
            return FineTuneResume.finishedSummary("reward-train", out, Result.class, hadoop);
        }
        RewardEvaluation before = FineTuneResume.baseline(out, RewardEvaluation.class, restored.isPresent(),
                () -> evaluate(graph, heldOut), hadoop);
        System.out.println("reward-train: before training: " + before.describe());
        restored.ifPresent(dir -> restore(dir, graph));
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        ParameterAveraging averaging = new ParameterAveraging(jsc, graph, config.spark(), config.seed(),
                workDir + "/dl4j-export", false);

        String metricsFile = out + "/metrics.jsonl";
        Progress progress = new Progress("reward-train", "steps", config.steps());
        List<PreferencePair> pairs = train.pairs();
        EpochOrder order = new EpochOrder(pairs.size(), config.seed());
        RewardEvaluation after = before;
        StepMetrics last = null;
        String checkpoint = null;
        long pairsSeen = firstStep * config.pairsPerStep();
        try (MetricsLog metrics = MetricsLog.open(metricsFile, hadoop, firstStep)) {
            for (long step = firstStep; step < config.steps(); step++) {
                List<MultiDataSet> batches = new ArrayList<>();
                List<PreferencePair> minibatch = new ArrayList<>();
                for (long p = step * config.pairsPerStep(); p < (step + 1) * config.pairsPerStep(); p++) {
                    minibatch.add(pairs.get(order.at(p)));
                    if (minibatch.size() == config.spark().batchSizePerWorker()) {
                        batches.add(RewardBatches.minibatch(minibatch, config.seqLen()));
                        minibatch = new ArrayList<>();
                    }
                }
                long started = System.nanoTime();
                RoundMeans round = averaging.fitRound(step, jsc.parallelize(batches, config.spark().workers()));
                double seconds = (System.nanoTime() - started) / 1e9;
                pairsSeen += config.pairsPerStep();
                StepMetrics m = new StepMetrics(step + 1, "reward", round.loss(), round.learningRate(),
                        round.gradNorm(), config.pairsPerStep() * 2.0 * config.seqLen() / seconds, pairsSeen, seconds,
                        null, null);
                boolean lastStep = step + 1 == config.steps();
                if ((step + 1) % config.validationEverySteps() == 0 || lastStep) {
                    after = evaluate(graph, heldOut);
                    // exactMatch carries the pairwise accuracy for reward models
                    m = m.withValidationLoss(after.loss()).withExactMatch(after.accuracy());
                }
                metrics.append(m);
                progress.update(step + 1, m.describe());
                last = m;
                if ((step + 1) % config.checkpoint().everySteps() == 0 || lastStep) {
                    checkpoint = save(store, step + 1, graph, start).toString();
                }
            }
            String plot = out + "/loss_curve.png";
            LossCurvePlot.write(metrics.history(), "gemma-spark reward model: " + start.shape().name(), plot, hadoop);
            Result result = new Result(config.steps(), last.loss(), before, after, train.manifest(),
                    heldOut.manifest(), HadoopPaths.absolute(checkpoint, hadoop),
                    HadoopPaths.absolute(metricsFile, hadoop), HadoopPaths.absolute(plot, hadoop));
            Json.write(result, new Path(out, "summary.json"), hadoop);
            return result;
        }
    }

    private RewardEvaluation evaluate(ComputationGraph graph, PreferenceData heldOut) {
        return RewardEvaluation.of(graph, heldOut.pairs(), config.seqLen(), config.centerRewardsCoefficient());
    }

    /** Parameters, Adam state and iteration count of a checkpoint written by {@link #save}, into {@code graph}. */
    private void restore(Path dir, ComputationGraph graph) {
        Configuration conf = hadoop;
        graph.setParams(RewardCheckpoint.load(dir.toString(), conf).params().reshape(graph.params().shape()));
        INDArray updater = NativeCheckpoint.loadUpdaterState(dir, conf).get("updater");
        if (updater == null) {
            throw new UserError(dir + ": no updater state; it cannot resume training");
        }
        graph.getUpdater().setStateViewArray(updater.reshape(graph.getUpdater().getStateViewArray().shape()));
        graph.getConfiguration().setIterationCount(
                Math.toIntExact(NativeCheckpoint.trainerState(dir, conf).path("iteration").asLong()));
    }

    /** A native checkpoint in HF's sequence-classification layout: the decoder tensors plus score.weight. */
    private Path save(CheckpointStore store, long step, ComputationGraph graph, FineTuneStart start) {
        GemmaWeights backbone = GemmaWeights.wrap(start.shape(),
                new ParamLayout(start.shape()).hfViews(RewardModel.backbone(graph, start.shape())));
        LinkedHashMap<String, TensorSource> tensors = new LinkedHashMap<>(HfCheckpoint.sources(backbone));
        tensors.put(SCORE_WEIGHT, TensorSource.of(RewardModel.scoreWeight(graph)));
        Map<String, TensorSource> updater = Map.of("updater",
                TensorSource.of(graph.getUpdater().getStateViewArray()));
        var state = Json.MAPPER.createObjectNode().put("step", step)
                .put("iteration", step * config.spark().averagingFrequency());
        return store.save(step, new NativeCheckpoint.Contents(
                HfConfigJson.ModelConfig.withGemmaTokens(start.shape()), tensors, TensorDtype.F32, updater, state,
                new Path(start.tokenizer())));
    }
}
