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
import io.gemmaspark.training.averaging.ParameterAveraging;
import io.gemmaspark.training.config.RewardConfig;
import io.gemmaspark.training.finetune.FineTuneJob;
import io.gemmaspark.training.finetune.ResumePoint;
import io.gemmaspark.training.finetune.RoundLoop;
import io.gemmaspark.training.metrics.LossCurvePlot;
import io.gemmaspark.training.metrics.MetricsLog;
import io.gemmaspark.training.metrics.StepMetrics;
import io.gemmaspark.training.metrics.WorkerMetricsListener.RoundMeans;
import io.gemmaspark.training.model.FineTuneStart;
import io.gemmaspark.training.model.RewardModel;
import io.gemmaspark.training.model.TrainingSettings;
import io.gemmaspark.training.sft.DataManifest;
import io.gemmaspark.util.Json;
import io.gemmaspark.util.UserError;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Bradley–Terry reward-model training on Spark: the backbone of a (usually SFT) checkpoint plus a fresh
 * {@code score.weight} head, trained on preference pairs by the same parameter-averaging rounds as pretraining
 * and SFT ({@link ParameterAveraging} in the fine-tuning {@link RoundLoop}, {@link TrainingSettings},
 * {@link MetricsLog}, {@link LossCurvePlot}).
 * Checkpoints are native checkpoints in Hugging Face's {@code GemmaForSequenceClassification} layout: the
 * decoder's {@code model.*} tensors plus {@code score.weight}.
 */
public final class SparkRewardTrainer {
    public static final String SCORE_WEIGHT = io.gemmaspark.model.checkpoint.HfCheckpoint.SCORE_WEIGHT;

    private final RewardConfig config;
    private final FineTuneJob job;

    public SparkRewardTrainer(RewardConfig config, SparkSession spark, String out, String workDir) {
        this.config = config;
        this.job = new FineTuneJob("reward-train", spark, out, workDir);
    }

    public record Result(long steps, double finalLoss, RewardEvaluation before, RewardEvaluation after,
            DataManifest trainData, DataManifest heldOutData, String checkpoint, String metricsFile, String plotFile) {
    }

    /** @param resume continue from the newest valid checkpoint under {@code out/checkpoints} (exactly) */
    public Result run(boolean resume) {
        Configuration hadoop = job.hadoop();
        FineTuneStart start = FineTuneStart.load(config.model(), hadoop);
        ChatTemplate template = new ChatTemplate(start.codec(), start.bosId());
        PreferenceData train = PreferenceData.read(config.data(), hadoop, template, config.seqLen(), config.strict());
        PreferenceData heldOut = PreferenceData.read(config.evalData(), hadoop, template, config.seqLen(),
                config.strict());
        System.out.println("reward-train: train pairs " + train.manifest().describe());
        System.out.println("reward-train: held-out pairs " + heldOut.manifest().describe());

        ComputationGraph graph = RewardModel.build(start.shape(), FineTuneJob.trainingSettings(config.optimizer(),
                config.spark(), config.steps(), config.seed()), config.centerRewardsCoefficient());
        RewardModel.copyBackbone(start.weights(), graph);
        CheckpointStore store = new CheckpointStore(job.checkpointsDir(), config.checkpoint().keepLast(), hadoop);
        ResumePoint from = job.resumeFrom(resume, store::latestValid, Path::toString, dir -> new ResumePoint(
                NativeCheckpoint.trainerState(dir, hadoop).path("step").asLong(), 0, 0, g -> restore(dir, g)));
        if (from.round() >= config.steps()) {
            return job.finishedSummary(Result.class);
        }
        RewardEvaluation before = job.baseline(RewardEvaluation.class, from, () -> evaluate(graph, heldOut));
        System.out.println("reward-train: before training: " + before.describe());
        RoundLoop loop = new RoundLoop(job, graph, config.spark(), config.seed(), from, new RoundLoop.Plan("steps",
                config.steps(), 1, config.validationEverySteps(), config.checkpoint().everySteps()));

        PairSteps steps = new PairSteps(train.pairs(), before, () -> evaluate(graph, heldOut),
                at -> save(store, at, graph, start).toString());
        RoundLoop.Finished<StepMetrics> done = loop.run(steps, StepMetrics.class);
        String plot = job.outputFile("loss_curve.png");
        LossCurvePlot.write(done.history(), "gemma-spark reward model: " + start.shape().name(), plot, hadoop);
        return job.writeSummary(new Result(config.steps(), done.last().loss(), before, steps.lastValidation,
                train.manifest(), heldOut.manifest(), job.absolute(done.checkpoint()),
                job.absolute(job.metricsFile()), job.absolute(plot)));
    }

    /** The reward model's side of the round loop: each step's pairs in epoch order, held-out pairs, checkpoints. */
    private final class PairSteps implements RoundLoop.Trainer<RoundLoop.Round, StepMetrics> {
        private final List<PreferencePair> pairs;
        private final EpochOrder order;
        private final Supplier<RewardEvaluation> evaluate;
        private final Function<RoundLoop.AfterRound, String> checkpoint;
        private RewardEvaluation lastValidation;

        PairSteps(List<PreferencePair> pairs, RewardEvaluation before, Supplier<RewardEvaluation> evaluate,
                Function<RoundLoop.AfterRound, String> checkpoint) {
            this.pairs = pairs;
            this.order = new EpochOrder(pairs.size(), config.seed());
            this.lastValidation = before;
            this.evaluate = evaluate;
            this.checkpoint = checkpoint;
        }

        /** The step's pairs, {@code batch_size_per_worker} pairs (twice as many rows) a minibatch. */
        @Override
        public RoundLoop.Round round(long step) {
            List<MultiDataSet> batches = new ArrayList<>();
            List<PreferencePair> minibatch = new ArrayList<>();
            for (long p = step * config.pairsPerStep(); p < (step + 1) * config.pairsPerStep(); p++) {
                minibatch.add(pairs.get(order.at(p)));
                if (minibatch.size() == config.spark().batchSizePerWorker()) {
                    batches.add(RewardBatches.minibatch(minibatch, config.seqLen()));
                    minibatch = new ArrayList<>();
                }
            }
            return update -> batches;
        }

        @Override
        public StepMetrics metrics(long step, RoundLoop.Round data, RoundMeans update, double seconds) {
            return new StepMetrics(step + 1, "reward", update.loss(), update.learningRate(), update.gradNorm(),
                    config.pairsPerStep() * 2.0 * config.seqLen() / seconds, (step + 1) * config.pairsPerStep(),
                    seconds, null, null);
        }

        @Override
        public StepMetrics validate(StepMetrics metrics) {
            lastValidation = evaluate.get();
            // exactMatch carries the pairwise accuracy for reward models
            return metrics.withValidationLoss(lastValidation.loss()).withExactMatch(lastValidation.accuracy());
        }

        @Override
        public String save(RoundLoop.AfterRound at) {
            return checkpoint.apply(at);
        }
    }

    private RewardEvaluation evaluate(ComputationGraph graph, PreferenceData heldOut) {
        return RewardEvaluation.of(graph, heldOut.pairs(), config.seqLen(), config.centerRewardsCoefficient());
    }

    /** Parameters, Adam state and iteration count of a checkpoint written by {@link #save}, into {@code graph}. */
    private void restore(Path dir, ComputationGraph graph) {
        Configuration conf = job.hadoop();
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
    private Path save(CheckpointStore store, RoundLoop.AfterRound at, ComputationGraph graph, FineTuneStart start) {
        GemmaWeights backbone = GemmaWeights.wrap(start.shape(),
                new ParamLayout(start.shape()).hfViews(RewardModel.backbone(graph, start.shape())));
        LinkedHashMap<String, TensorSource> tensors = new LinkedHashMap<>(HfCheckpoint.sources(backbone));
        tensors.put(SCORE_WEIGHT, TensorSource.of(RewardModel.scoreWeight(graph)));
        Map<String, TensorSource> updater = Map.of("updater",
                TensorSource.of(graph.getUpdater().getStateViewArray()));
        var state = Json.MAPPER.createObjectNode().put("step", at.rounds()).put("iteration", at.iteration());
        return store.save(at.rounds(), new NativeCheckpoint.Contents(
                HfConfigJson.ModelConfig.withGemmaTokens(start.shape()), tensors, TensorDtype.F32, updater, state,
                new Path(start.tokenizer())));
    }
}
