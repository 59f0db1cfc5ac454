package io.gemmaspark.training;

import static io.gemmaspark.training.OptimizerProbe.SMALL_GEMMA;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.model.decoder.GemmaDecoderLayer;
import io.gemmaspark.training.config.OptimizerConfig;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/** One real DL4J update of the Gemma decoder against an Adam step computed by hand from the state before it. */
class OptimizerStepTest {
    private static final int SEQ = 16;
    private static final double LR = 1e-2;
    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.95;
    private static final double EPS = 1e-8;

    private static ComputationGraph gemma(double weightDecay, double clip) {
        OptimizerConfig optimizer = new OptimizerConfig(LR, LR, 0, BETA1, BETA2, EPS, weightDecay, clip);
        return OptimizerProbe.gemma(SMALL_GEMMA, SEQ, optimizer, new WarmupCosineSchedule(LR, LR, 0, 100));
    }

    @Test
    void aGradientFarAboveTheThresholdIsClippedToTheThresholdBeforeAdam() {
        double threshold = 0.02;
        ComputationGraph graph = gemma(0.0, threshold);
        GemmaDecoderLayer layer = (GemmaDecoderLayer) graph.getLayer(0).conf().getLayer();
        assertEquals(GradientNormalization.ClipL2PerLayer, layer.getGradientNormalization());
        assertEquals(threshold, layer.getGradientNormalizationThreshold());
        assertEquals(0, layer.getRegularizationBias().size(), "norm weights are not decayed");

        Random random = new Random(3);
        graph.fit(OptimizerProbe.randomBatch(random, 4, SEQ, 256)); // a known, non-zero Adam state
        long t = graph.getConfiguration().getIterationCount();
        double[] theta0 = OptimizerProbe.params(graph);
        double[] m0 = OptimizerProbe.adamMoment(graph, "M");
        double[] v0 = OptimizerProbe.adamMoment(graph, "V");

        MultiDataSet batch = OptimizerProbe.randomBatch(random, 4, SEQ, 256);
        double[] g = gradient(graph, batch);
        double norm = Math.sqrt(Arrays.stream(g).map(x -> x * x).sum());
        assertTrue(norm > 20 * threshold, "gradient norm " + norm + " far above the threshold");

        graph.fit(batch);
        double[] applied = OptimizerProbe.params(graph);
        double[] clipped = handAdamStep(theta0, m0, v0, Arrays.stream(g).map(x -> x * threshold / norm).toArray(), t);
        double[] unclipped = handAdamStep(theta0, m0, v0, g, t);
        double error = maxAbsDiff(applied, clipped);
        System.out.printf("clipping: |g| = %.3f, threshold %.2f; DL4J vs hand Adam step on the clipped gradient: "
                + "max |diff| %.2e; vs the unclipped step: %.2e%n", norm, threshold, error, maxAbsDiff(applied, unclipped));
        assertTrue(error < 1e-6, "update equals Adam on the clipped gradient: " + error);
        assertTrue(maxAbsDiff(clipped, unclipped) > 1e-4, "the test can tell clipped from unclipped");
    }

    @Test
    void weightDecayShrinksMatricesAndEmbeddingByLrTimesDecayAndLeavesNormWeights() {
        double decay = 0.1;
        ComputationGraph graph = gemma(decay, 1.0);
        int[] norms = OptimizerProbe.normIndices(SMALL_GEMMA);
        INDArray params = graph.params();
        for (int i : norms) {
            params.putScalar(i, 0.5 + 0.01 * (i % 7)); // norm weights start at 0; move them off it
        }
        double[] before = OptimizerProbe.params(graph);
        MultiDataSet batch = OptimizerProbe.randomBatch(new Random(5), 2, SEQ, 256);
        batch.setLabelsMaskArray(0, Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, SEQ)); // zero gradient
        graph.fit(batch);
        double[] after = OptimizerProbe.params(graph);

        Set<Integer> normSet = Arrays.stream(norms).boxed().collect(Collectors.toSet());
        double worstMatrix = 0;
        double worstNorm = 0;
        int checked = 0;
        for (int i = 0; i < before.length; i++) {
            if (normSet.contains(i)) {
                worstNorm = Math.max(worstNorm, Math.abs(after[i] - before[i]));
            } else if (Math.abs(before[i]) > 1e-3) {
                worstMatrix = Math.max(worstMatrix, Math.abs(after[i] / before[i] - (1 - LR * decay)));
                checked++;
            }
        }
        System.out.printf("weight decay: %d matrix/embedding values scaled by 1 - lr*wd within %.2e; norm weights "
                + "moved at most %.2e%n", checked, worstMatrix, worstNorm);
        assertTrue(checked > before.length / 2);
        assertTrue(worstMatrix < 1e-5, "w <- w * (1 - lr * wd): " + worstMatrix);
        assertEquals(0.0, worstNorm, "norm weights are not decayed");
    }

    private static double[] gradient(ComputationGraph graph, MultiDataSet batch) {
        graph.setInputs(batch.getFeatures());
        graph.setLabels(batch.getLabels());
        graph.setLayerMaskArrays(null, batch.getLabelsMaskArrays());
        graph.computeGradientAndScore();
        return graph.getFlattenedGradients().dup().ravel().toDoubleVector();
    }

    private static double[] handAdamStep(double[] theta, double[] m, double[] v, double[] g, long t) {
        double alpha = OptimizerProbe.adamStepSize(LR, t, BETA1, BETA2);
        double[] next = new double[theta.length];
        for (int i = 0; i < theta.length; i++) {
            double m1 = BETA1 * m[i] + (1 - BETA1) * g[i];
            double v1 = BETA2 * v[i] + (1 - BETA2) * g[i] * g[i];
            next[i] = theta[i] - alpha * m1 / (Math.sqrt(v1) + EPS);
        }
        return next;
    }

    private static double maxAbsDiff(double[] a, double[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }
}
