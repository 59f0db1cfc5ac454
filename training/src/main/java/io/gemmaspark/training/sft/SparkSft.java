package io.gemmaspark.training.sft;

import io.gemmaspark.model.chat.ChatTemplate;
import io.gemmaspark.model.chat.ChatTokens;
import io.gemmaspark.model.decoder.GemmaDecoder;
import io.gemmaspark.training.EpochOrder;
import io.gemmaspark.training.HadoopPaths;
import io.gemmaspark.training.WarmupCosineSchedule;
import io.gemmaspark.training.averaging.ParameterAveraging;
import io.gemmaspark.training.checkpoint.FineTuneResume;
import io.gemmaspark.training.checkpoint.PretrainCheckpoints;
import io.gemmaspark.training.checkpoint.TrainerState;
import io.gemmaspark.training.config.SftConfig;
import io.gemmaspark.training.metrics.LossCurvePlot;
import io.gemmaspark.training.metrics.MetricsLog;
import io.gemmaspark.training.metrics.StepMetrics;
import io.gemmaspark.training.metrics.WorkerMetricsListener.RoundMeans;
import io.gemmaspark.training.model.FineTuneStart;
import io.gemmaspark.training.model.GemmaDecoderModel;
import io.gemmaspark.training.model.TrainingSettings;
import io.gemmaspark.util.Json;
import io.gemmaspark.util.Progress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Supervised fine-tuning on Spark with the pretraining machinery: the same decoder graph and optimiser
 * ({@link GemmaDecoderModel}, {@link TrainingSettings}), the same parameter averaging rounds
 * ({@link ParameterAveraging}), checkpoints ({@link PretrainCheckpoints}, with the start checkpoint's
 * tokenizer.model), {@code metrics.jsonl} ({@link MetricsLog}) and loss curve ({@link LossCurvePlot}). What is
 * fine-tuning's own: conversations rendered by the chat template with a loss only on model turns
 * ({@link SftDataset}, {@link SftRows}), and greedy exact match on held-out prompts ({@link ExactMatch}).
 */
public final class SparkSft {
    private final SftConfig config;
    private final SparkSession spark;
    private final Configuration hadoop;
    private final String out;
    private final String workDir;

    public SparkSft(SftConfig config, SparkSession spark, String out, String workDir) {
        this.config = config;
        this.spark = spark;
        this.hadoop = spark.sparkContext().hadoopConfiguration();
        this.out = out;
        this.workDir = workDir;
    }

    /** What a run produced; paths are absolute URIs. */
    public record Result(long steps, long trainedTokensSeen, double finalLoss, double heldOutLossBefore,
            double heldOutLossAfter, double exactMatchBefore, double exactMatchAfter, int heldOutExamples,
            int trainRows, boolean packed, DataManifest trainData, DataManifest heldOutData, List<String> samplesAfter,
            String checkpoint, String metricsFile, String plotFile) {
    }

    /** Figures of the start checkpoint, before any step. */
    public record Baseline(double heldOutLoss, ExactMatch.Result exactMatch) {
    }

    /** @param resume continue from the newest valid checkpoint under {@code out/checkpoints} (exactly) */
    public Result run(boolean resume) {
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

        int frequency = config.spark().averagingFrequency();
        WarmupCosineSchedule schedule = config.optimizer().schedule(frequency, config.steps());
        ComputationGraph graph = start.copyInto(new GemmaDecoderModel().build(start.shape(), config.seqLen(),
                new TrainingSettings(config.optimizer(), schedule, config.seed(), false)));
        PretrainCheckpoints checkpoints = new PretrainCheckpoints(out + "/checkpoints", hadoop,
                config.checkpoint().keepLast());
        Optional<PretrainCheckpoints.Loaded> restored = FineTuneResume.latest("sft", out, checkpoints, resume,
                hadoop);
        TrainerState resumedAt = restored.map(PretrainCheckpoints.Loaded::state)
                .orElse(TrainerState.start(config.seed()));
        if (resumedAt.step() >= config.steps()) {
            return FineTuneResume.finishedSummary("sft", out, Result.class, hadoop);
        }
        restored.ifPresent(r -> r.restoreInto(graph));
        GemmaDecoder decoder = GemmaDecoder.of(graph);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        ParameterAveraging averaging = new ParameterAveraging(jsc, graph, config.spark(), config.seed(),
                workDir + "/dl4j-export", false);
        JavaRDD<MultiDataSet> heldOutBatches = jsc.parallelize(minibatches(heldOutRows, false),
                config.spark().workers());
        heldOutBatches.persist(StorageLevel.MEMORY_ONLY_SER());
        Baseline before = FineTuneResume.baseline(out, Baseline.class, restored.isPresent(),
                () -> new Baseline(heldOutLoss(averaging, graph, heldOutBatches), ExactMatch.measure(decoder, template,
                        start.codec(), exactMatchSet, config.validation().maxNewTokens())), hadoop);
        System.out.printf("sft: before fine-tuning: held-out loss %.4f, exact match %d/%d%n", before.heldOutLoss(),
                before.exactMatch().matched(), before.exactMatch().total());

        String metricsFile = out + "/metrics.jsonl";
        Progress progress = new Progress("sft", "steps", config.steps());
        EpochOrder order = new EpochOrder(rows.size(), config.seed());
        long trainedTokens = resumedAt.tokensSeen();
        double elapsed = resumedAt.elapsedSeconds();
        StepMetrics last = null;
        double lossAfter = before.heldOutLoss();
        ExactMatch.Result after = before.exactMatch();
        String checkpoint = null;
        try (MetricsLog metrics = MetricsLog.open(metricsFile, hadoop, resumedAt.step())) {
            for (long step = resumedAt.step(); step < config.steps(); step++) {
                List<SftRow> stepRows = new ArrayList<>();
                for (long p = step * config.rowsPerStep(); p < (step + 1) * config.rowsPerStep(); p++) {
                    stepRows.add(rows.get(order.at(p)));
                }
                int stepTokens = stepRows.stream().mapToInt(SftRow::trainedTokens).sum();
                JavaRDD<MultiDataSet> batches = jsc.parallelize(minibatches(stepRows, config.packing()),
                        config.spark().workers());
                long started = System.nanoTime();
                RoundMeans round = averaging.fitRound(step, batches);
                double seconds = (System.nanoTime() - started) / 1e9;
                elapsed += seconds;
                trainedTokens += stepTokens;
                StepMetrics m = new StepMetrics(step + 1, "sft", round.loss(), round.learningRate(), round.gradNorm(),
                        stepTokens / seconds, trainedTokens, seconds, null, null);
                boolean lastStep = step + 1 == config.steps();
                if ((step + 1) % config.validation().everySteps() == 0 || lastStep) {
                    lossAfter = heldOutLoss(averaging, graph, heldOutBatches);
                    after = ExactMatch.measure(decoder, template, start.codec(), exactMatchSet,
                            config.validation().maxNewTokens());
                    m = m.withValidationLoss(lossAfter).withExactMatch(after.share());
                }
                metrics.append(m);
                progress.update(step + 1, m.describe());
                last = m;
                if ((step + 1) % config.checkpoint().everySteps() == 0 || lastStep) {
                    TrainerState state = new TrainerState(step + 1, 0, step + 1, (step + 1) * config.rowsPerStep(),
                            trainedTokens, (step + 1) * frequency, round.learningRate(), config.seed(),
                            config.seed(), config.seed(), elapsed);
                    checkpoint = checkpoints.save(graph, state, List.of(start.tokenizer()));
                }
            }
            heldOutBatches.unpersist(false);
            String plot = out + "/loss_curve.png";
            LossCurvePlot.write(metrics.history(), "gemma-spark SFT: " + start.shape().name(), plot, hadoop);
            Result result = new Result(config.steps(), trainedTokens, last.loss(), before.heldOutLoss(), lossAfter,
                    before.exactMatch().share(), after.share(), exactMatchSet.size(), rows.size(), config.packing(),
                    train.manifest(), heldOut.manifest(), after.samples(), HadoopPaths.absolute(checkpoint, hadoop),
                    HadoopPaths.absolute(metricsFile, hadoop), HadoopPaths.absolute(plot, hadoop));
            Json.write(result, new Path(out, "summary.json"), hadoop);
            return result;
        }
    }

    private static List<ChatTokens> tokens(SftDataset data) {
        return data.examples().stream().map(SftExample::tokens).toList();
    }

    private List<MultiDataSet> minibatches(List<SftRow> rows, boolean withSegments) {
        int size = config.spark().batchSizePerWorker();
        List<MultiDataSet> batches = new ArrayList<>();
        for (int from = 0; from < rows.size(); from += size) {
            batches.add(SftBatches.minibatch(rows.subList(from, Math.min(rows.size(), from + size)), withSegments));
        }
        return batches;
    }

    /** Held-out loss per trained token, with the driver's averaged model (the weight-decay penalty removed). */
    private double heldOutLoss(ParameterAveraging averaging, ComputationGraph graph, JavaRDD<MultiDataSet> batches) {
        return averaging.score(batches, config.spark().batchSizePerWorker()) - graph.calcRegularizationScore(true);
    }
}
