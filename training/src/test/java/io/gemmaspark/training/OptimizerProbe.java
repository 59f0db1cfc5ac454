package io.gemmaspark.training;

import io.gemmaspark.model.GemmaConfig;
import io.gemmaspark.model.decoder.ParamLayout;
import io.gemmaspark.training.config.OptimizerConfig;
import io.gemmaspark.training.model.GemmaDecoderModel;
import io.gemmaspark.training.model.TrainingSettings;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.AdamUpdater;

/**
 * Reads what DL4J's optimiser holds and applied, independently of the project's schedule and settings classes:
 * parameters and Adam's moments as flat arrays aligned with {@code graph.params()}, and a small Gemma to train.
 */
public final class OptimizerProbe {
    /** A Gemma small enough for many Spark rounds in a unit test: 2 blocks, MQA, byte vocabulary. */
    public static final GemmaConfig SMALL_GEMMA = new GemmaConfig("probe", 256, 32, 2, 2, 1, 16, 64, 64, 10000,
            1e-6);

    private OptimizerProbe() {
    }

    public static ComputationGraph gemma(GemmaConfig shape, int seqLen, OptimizerConfig optimizer,
            WarmupCosineSchedule schedule) {
        return new GemmaDecoderModel().build(shape, seqLen, new TrainingSettings(optimizer, schedule, 7, false));
    }

    public static double[] params(ComputationGraph graph) {
        return graph.params().dup().ravel().toDoubleVector();
    }

    /** Adam's first ("M") or second ("V") moment of every parameter, in parameter order. */
    public static double[] adamMoment(ComputationGraph graph, String moment) {
        double[] out = new double[(int) graph.numParams()];
        for (UpdaterBlock block : graph.getUpdater().getUpdaterBlocks()) {
            AdamUpdater adam = (AdamUpdater) block.getGradientUpdater();
            INDArray state = moment.equals("M") ? adam.getM() : adam.getV();
            double[] values = state.ravel().toDoubleVector();
            System.arraycopy(values, 0, out, block.getParamOffsetStart(), values.length);
        }
        return out;
    }

    /** Flat indices of the RMSNorm weights: Adam updates them, weight decay does not touch them. */
    public static int[] normIndices(GemmaConfig shape) {
        return new ParamLayout(shape).slots().stream().filter(ParamLayout.Slot::isNorm)
                .flatMapToInt(s -> java.util.stream.IntStream.range((int) s.offset(), (int) (s.offset() + s.length())))
                .toArray();
    }

    /**
     * Adam's effective step size {@code alpha_t = lr_t * sqrt(1 - beta2^(t+1)) / (1 - beta1^(t+1))} recovered from
     * one update of undecayed parameters: {@code before - after = alpha_t * m / (sqrt(v) + eps)}, with {@code m, v}
     * the moments after the update. The median over the parameters with a clear first moment.
     */
    public static double appliedStepSize(double[] before, double[] after, double[] m, double[] v, double eps,
            int[] indices) {
        double largest = java.util.Arrays.stream(indices).mapToDouble(i -> Math.abs(m[i])).max().orElse(0);
        double[] ratios = java.util.Arrays.stream(indices).filter(i -> Math.abs(m[i]) > 1e-2 * largest)
                .mapToDouble(i -> (before[i] - after[i]) * (Math.sqrt(v[i]) + eps) / m[i]).sorted().toArray();
        return ratios[ratios.length / 2];
    }

    /** Independent of {@code WarmupCosineSchedule}: linear warmup over W iterations, cosine to the floor at T-1. */
    public static double configuredLearningRate(long t, double peak, double floor, long warmup, long total) {
        if (t < warmup) {
            return peak * (t + 1) / warmup;
        }
        double progress = (double) (t - warmup) / (total - 1 - warmup);
        return floor + (peak - floor) * (1 + Math.cos(Math.PI * progress)) / 2;
    }

    public static double adamStepSize(double lr, long t, double beta1, double beta2) {
        return lr * Math.sqrt(1 - Math.pow(beta2, t + 1)) / (1 - Math.pow(beta1, t + 1));
    }

    /** A minibatch of random byte tokens: ids {@code [mb,T]}, next-token labels, all weights 1. */
    public static MultiDataSet randomBatch(Random random, int batch, int seqLen, int vocab) {
        float[][] ids = new float[batch][seqLen];
        float[][] labels = new float[batch][seqLen];
        for (int b = 0; b < batch; b++) {
            int[] row = random.ints(seqLen + 1, 0, vocab).toArray();
            for (int t = 0; t < seqLen; t++) {
                ids[b][t] = row[t];
                labels[b][t] = row[t + 1];
            }
        }
        return new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[] {Nd4j.createFromArray(ids)},
                new INDArray[] {Nd4j.createFromArray(labels)}, null,
                new INDArray[] {Nd4j.ones(org.nd4j.linalg.api.buffer.DataType.FLOAT, batch, seqLen)});
    }
}
