package io.gemmaspark.training.sft;

import io.gemmaspark.model.chat.ChatTemplate;
import io.gemmaspark.model.chat.ChatTokens;
import io.gemmaspark.model.decoder.GemmaDecoder;
import io.gemmaspark.training.EpochOrder;
import io.gemmaspark.training.averaging.ParameterAveraging;
import io.gemmaspark.training.checkpoint.PretrainCheckpoints;
import io.gemmaspark.training.checkpoint.TrainerState;
import io.gemmaspark.training.config.SftConfig;
import io.gemmaspark.training.finetune.FineTuneJob;
import io.gemmaspark.training.finetune.ResumePoint;
import io.gemmaspark.training.finetune.RoundLoop;
import io.gemmaspark.training.metrics.LossCurvePlot;
import io.gemmaspark.training.metrics.MetricsLog;
import io.gemmaspark.training.metrics.StepMetrics;
import io.gemmaspark.training.metrics.WorkerMetricsListener.RoundMeans;
import io.gemmaspark.training.model.FineTuneStart;
import io.gemmaspark.training.model.GemmaDecoderModel;
import io.gemmaspark.training.model.TrainingSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Supervised fine-tuning on Spark with the pretraining machinery: the same decoder graph and optimiser
 * ({@link GemmaDecoderModel}, {@link TrainingSettings}), the same parameter averaging rounds
 * ({@link ParameterAveraging}) in the fine-tuning round loop ({@link RoundLoop}), checkpoints
 * ({@link PretrainCheckpoints}, with the start checkpoint's tokenizer.model), {@code metrics.jsonl}
 * ({@link MetricsLog}) and loss curve ({@link LossCurvePlot}). What is
 * fine-tuning's own: conversations rendered by the chat template with a loss only on model turns
 * ({@link SftDataset}, {@link SftRows}), and greedy exact match on held-out prompts ({@link ExactMatch}).
 */
public final class SparkSft {
    private final SftConfig config;
    private final FineTuneJob job;

    public SparkSft(SftConfig config, SparkSession spark, String out, String workDir) {
        this.config = config;
        this.job = new FineTuneJob("sft", spark, out, workDir);
    }

    /** What a run produced; paths are absolute URIs. */
    public record Result(long steps, long trainedTokensSeen, double finalLoss, double heldOutLossBefore,
            double heldOutLossAfter, double exactMatchBefore, double exactMatchAfter, int heldOutExamples,
            int trainRows, boolean packed, DataManifest trainData, DataManifest heldOutData, List<String> samplesAfter,
            String checkpoint, String metricsFile, String plotFile) {
    }

    /**
     * Held-out figures: the start checkpoint's (kept in baseline.json) or those of a validation step.
     *
     * @param heldOutLoss loss per trained token of the held-out rows
     * @param exactMatch  greedy replies to the held-out prompts against their references
     */
    public record HeldOut(double heldOutLoss, ExactMatch.Result exactMatch) {
    }

    /** @param resume continue from the newest valid checkpoint under {@code out/checkpoints} (exactly) */
    public Result run(boolean resume) {
        Configuration hadoop = job.hadoop();
        FineTuneStart start = FineTuneStart.load(config.model(), hadoop);
        ChatTemplate template = new ChatTemplate(start.codec(), start.bosId());
        SftDataset train = SftDataset.read(config.data(), hadoop, template, config.seqLen() + 1, config.strict());
        SftDataset heldOut = SftDataset.read(config.evalData(), hadoop, template, config.seqLen() + 1,
                config.strict());
        System.out.println("sft: train data " + train.manifest().describe());
        System.out.println("sft: held-out data " + heldOut.manifest().describe());
        train.manifest().firstBad().forEach(bad -> System.out.println("  dropped " + bad));
        List<SftRow> rows = SftRows.layout(tokens(train), config.seqLen(), template.padId(), config.packing());
        List<SftRow> heldOutRows = SftRows.layout(tokens(heldOut), config.seqLen(), template.padId(), false);
        List<SftExample> exactMatchSet = heldOut.examples().subList(0,
                Math.min(heldOut.examples().size(), config.validation().maxExamples()));

        TrainingSettings settings = FineTuneJob.trainingSettings(config.optimizer(), config.spark(), config.steps(),
                config.seed());
        ComputationGraph graph = start.copyInto(new GemmaDecoderModel().build(start.shape(), config.seqLen(),
                settings));
        PretrainCheckpoints checkpoints = job.decoderCheckpoints(config.checkpoint());
        ResumePoint from = job.resumeFrom(checkpoints, resume);
        if (from.round() >= config.steps()) {
            return job.finishedSummary(Result.class);
        }
        RoundLoop loop = new RoundLoop(job, graph, config.spark(), config.seed(), from, new RoundLoop.Plan("steps",
                config.steps(), 1, config.validation().everySteps(), config.checkpoint().everySteps()));
        GemmaDecoder decoder = GemmaDecoder.of(graph);
        JavaRDD<MultiDataSet> heldOutBatches = job.spark().parallelize(minibatches(heldOutRows, false),
                config.spark().workers());
        heldOutBatches.persist(StorageLevel.MEMORY_ONLY_SER());
        Supplier<HeldOut> measure = () -> new HeldOut(
                loop.averaging().heldOutLoss(heldOutBatches, config.spark().batchSizePerWorker()),
                ExactMatch.measure(decoder, template, start.codec(), exactMatchSet,
                        config.validation().maxNewTokens()));
        HeldOut before = job.baseline(HeldOut.class, from, measure);
        System.out.printf("sft: before fine-tuning: held-out loss %.4f, exact match %d/%d%n", before.heldOutLoss(),
                before.exactMatch().matched(), before.exactMatch().total());

        Steps steps = new Steps(rows, from.tokensSeen(), before, measure,
                state -> checkpoints.save(graph, state, List.of(start.tokenizer())));
        RoundLoop.Finished<StepMetrics> done = loop.run(steps, StepMetrics.class);
        heldOutBatches.unpersist(false);
        String plot = job.outputFile("loss_curve.png");
        LossCurvePlot.write(done.history(), "gemma-spark SFT: " + start.shape().name(), plot, hadoop);
        HeldOut after = steps.lastValidation;
        return job.writeSummary(new Result(config.steps(), steps.trainedTokens, done.last().loss(),
                before.heldOutLoss(), after.heldOutLoss(), before.exactMatch().share(), after.exactMatch().share(),
                exactMatchSet.size(), rows.size(), config.packing(), train.manifest(), heldOut.manifest(),
                after.exactMatch().samples(), job.absolute(done.checkpoint()), job.absolute(job.metricsFile()),
                job.absolute(plot)));
    }

    /** One step's minibatches and the tokens they train. */
    private record Step(List<MultiDataSet> batches, int tokens) implements RoundLoop.Round {
        @Override
        public List<MultiDataSet> minibatches(int update) {
            return batches;
        }
    }

    /** SFT's side of the round loop: each step's rows in epoch order, held-out figures, decoder checkpoints. */
    private final class Steps implements RoundLoop.Trainer<Step, StepMetrics> {
        private final List<SftRow> rows;
        private final EpochOrder order;
        private final Supplier<HeldOut> measure;
        private final Function<TrainerState, String> checkpoint;
        private long trainedTokens;
        private HeldOut lastValidation;

        Steps(List<SftRow> rows, long trainedTokens, HeldOut before, Supplier<HeldOut> measure,
                Function<TrainerState, String> checkpoint) {
            this.rows = rows;
            this.order = new EpochOrder(rows.size(), config.seed());
            this.trainedTokens = trainedTokens;
            this.lastValidation = before;
            this.measure = measure;
            this.checkpoint = checkpoint;
        }

        @Override
        public Step round(long step) {
            List<SftRow> stepRows = new ArrayList<>();
            for (long p = step * config.rowsPerStep(); p < (step + 1) * config.rowsPerStep(); p++) {
                stepRows.add(rows.get(order.at(p)));
            }
            return new Step(minibatches(stepRows, config.packing()),
                    stepRows.stream().mapToInt(SftRow::trainedTokens).sum());
        }

        @Override
        public StepMetrics metrics(long step, Step data, RoundMeans update, double seconds) {
            trainedTokens += data.tokens();
            return new StepMetrics(step + 1, "sft", update.loss(), update.learningRate(), update.gradNorm(),
                    data.tokens() / seconds, trainedTokens, seconds, null, null);
        }

        @Override
        public StepMetrics validate(StepMetrics metrics) {
            lastValidation = measure.get();
            return metrics.withValidationLoss(lastValidation.heldOutLoss())
                    .withExactMatch(lastValidation.exactMatch().share());
        }

        @Override
        public String save(RoundLoop.AfterRound at) {
            return checkpoint.apply(at.trainerState(at.rounds() * config.rowsPerStep(), trainedTokens, config.seed()));
        }
    }

    private static List<ChatTokens> tokens(SftDataset data) {
        return data.examples().stream().map(SftExample::tokens).toList();
    }

    private List<MultiDataSet> minibatches(List<SftRow> rows, boolean withSegments) {
        return SftBatches.minibatches(rows, config.spark().batchSizePerWorker(), withSegments);
    }
}
