package io.gemmaspark.model.decoder;

import static io.gemmaspark.model.decoder.DecoderTestSupport.agrees;
import static io.gemmaspark.model.decoder.DecoderTestSupport.numericGradient;
import static io.gemmaspark.model.decoder.DecoderTestSupport.randomDecoder;
import static io.gemmaspark.model.decoder.DecoderTestSupport.relativeError;
import static io.gemmaspark.model.decoder.DecoderTestSupport.tinyConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.model.GemmaConfig;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Packed rows with segment ids (the feature mask): each packed sequence must be computed exactly as if alone,
 * with block-diagonal attention and RoPE positions restarting per segment.
 */
class PackedSegmentsTest {
    private static final int[] A = {3, 7, 1, 12, 5, 9};
    private static final int[] B = {4, 4, 18, 2, 11};
    private static final int PAD = 0;
    private static final int T = 13; // row of T + 1 = 14 tokens: A (6) + B (5) + 3 pad

    /** Features, labels, weights and segments for {@code A | B | pad}. */
    private static MultiDataSet packed() {
        double[] features = new double[T];
        double[] labels = new double[T];
        double[] weights = new double[T];
        double[] segments = new double[T];
        int[] tokens = new int[T + 1];
        int[] tokenSegment = new int[T + 1];
        java.util.Arrays.fill(tokens, PAD);
        System.arraycopy(A, 0, tokens, 0, A.length);
        System.arraycopy(B, 0, tokens, A.length, B.length);
        java.util.Arrays.fill(tokenSegment, 0, A.length, 1);
        java.util.Arrays.fill(tokenSegment, A.length, A.length + B.length, 2);
        for (int t = 0; t < T; t++) {
            features[t] = tokens[t];
            labels[t] = tokens[t + 1];
            segments[t] = tokenSegment[t];
            weights[t] = tokenSegment[t] != 0 && tokenSegment[t] == tokenSegment[t + 1] ? 1 : 0;
        }
        return new MultiDataSet(new INDArray[] {row(features)}, new INDArray[] {row(labels)},
                new INDArray[] {row(segments)}, new INDArray[] {row(weights)});
    }

    /** One sequence alone: every next-token label weighted 1, no segments. */
    private static MultiDataSet alone(int[] seq) {
        double[] features = new double[seq.length - 1];
        double[] labels = new double[seq.length - 1];
        for (int t = 0; t < seq.length - 1; t++) {
            features[t] = seq[t];
            labels[t] = seq[t + 1];
        }
        double[] weights = new double[seq.length - 1];
        java.util.Arrays.fill(weights, 1);
        return new MultiDataSet(new INDArray[] {row(features)}, new INDArray[] {row(labels)}, null,
                new INDArray[] {row(weights)});
    }

    private static INDArray row(double[] values) {
        return Nd4j.createFromArray(new double[][] {values});
    }

    /** Per-position cross-entropy {@code -log p(label)} from the logits, computed here in plain Java. */
    private static double[] tokenLosses(ComputationGraph graph, MultiDataSet data) {
        INDArray logits = graph.output(false, data.getFeatures(), data.getFeaturesMaskArrays())[0];
        int time = (int) logits.size(1);
        double[] losses = new double[time];
        for (int t = 0; t < time; t++) {
            double[] l = logits.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                    org.nd4j.linalg.indexing.NDArrayIndex.point(t), org.nd4j.linalg.indexing.NDArrayIndex.all())
                    .toDoubleVector();
            double max = java.util.Arrays.stream(l).max().getAsDouble();
            double sum = 0;
            for (double v : l) {
                sum += Math.exp(v - max);
            }
            losses[t] = Math.log(sum) + max - l[data.getLabels(0).getInt(0, t)];
        }
        return losses;
    }

    private static INDArray gradient(ComputationGraph graph, MultiDataSet data) {
        graph.setInputs(data.getFeatures());
        graph.setLabels(data.getLabels());
        graph.setLayerMaskArrays(data.getFeaturesMaskArrays(), data.getLabelsMaskArrays());
        graph.computeGradientAndScore();
        INDArray g = graph.gradient().gradient().dup();
        graph.clearLayerMaskArrays();
        return g;
    }

    @Test
    void aPackedRowGivesTheSamePerTokenLossesAndGradientsAsEachSequenceAlone() {
        GemmaConfig config = tinyConfig(4, 2, 2);
        ComputationGraph graph = randomDecoder(config, DataType.DOUBLE, 0.5, 21).graph();

        double[] packed = tokenLosses(graph, packed());
        double[] lossA = tokenLosses(graph, alone(A));
        double[] lossB = tokenLosses(graph, alone(B));
        for (int t = 0; t < A.length - 1; t++) {
            assertEquals(lossA[t], packed[t], 1e-10, "A position " + t);
        }
        for (int t = 0; t < B.length - 1; t++) {
            assertEquals(lossB[t], packed[A.length + t], 1e-10, "B position " + t);
        }

        // The packed loss is the mean over its 5 + 4 trained tokens, so its gradient is the token-weighted mean
        // of the gradients of A alone (mean over 5) and B alone (mean over 4).
        INDArray gPacked = gradient(graph, packed());
        INDArray expected = gradient(graph, alone(A)).muli(A.length - 1)
                .addi(gradient(graph, alone(B)).muli(B.length - 1)).divi(A.length - 1 + B.length - 1);
        double scale = expected.norm2Number().doubleValue();
        double difference = gPacked.sub(expected).norm2Number().doubleValue();
        assertTrue(difference < 1e-10 * scale, "gradient difference " + difference + " of norm " + scale);

        // Without the segment ids B would attend to A and sit at positions 6..10: the losses differ (the test can fail).
        MultiDataSet unsegmented = packed();
        unsegmented.setFeaturesMaskArrays(null);
        double[] leaky = tokenLosses(graph, unsegmented);
        assertTrue(Math.abs(leaky[A.length] - lossB[0]) > 1e-6, "no segments: B sees A");
    }

    @Test
    void kvCacheGenerationOfEachSequenceMatchesItsSegmentInThePackedRow() {
        GemmaConfig config = tinyConfig(4, 2, 2);
        GemmaDecoder decoder = randomDecoder(config, DataType.FLOAT, 0.5, 31);
        MultiDataSet row = packed();
        INDArray packedLogits = decoder.graph().output(false, new INDArray[] {row.getFeatures(0).castTo(DataType.FLOAT)},
                new INDArray[] {row.getFeaturesMaskArray(0).castTo(DataType.FLOAT)})[0];
        // Prefill with a prefix of B, then decode B's remaining tokens one at a time through the KV cache; every
        // step's logits must equal the packed row's logits at that position of segment 2.
        io.gemmaspark.model.generation.Generator.Session session = new io.gemmaspark.model.generation.Generator(
                decoder).start(new int[][] {java.util.Arrays.copyOf(B, 2)}, B.length);
        for (int t = 1; t < B.length - 1; t++) {
            INDArray expected = packedLogits.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                    org.nd4j.linalg.indexing.NDArrayIndex.point(A.length + t), org.nd4j.linalg.indexing.NDArrayIndex.all());
            INDArray actual = session.logits().getRow(0);
            double difference = actual.sub(expected.reshape(actual.shape())).amaxNumber().doubleValue();
            assertTrue(difference < 1e-4, "B position " + t + ": KV-cache logits differ by " + difference);
            session.append(new int[] {B[t + 1]});
        }
    }

    @Test
    void gradientsWithSegmentsMatchCentralDifferences() {
        GemmaConfig config = tinyConfig(4, 1, 2);
        ComputationGraph graph = randomDecoder(config, DataType.DOUBLE, 0.5, 23).graph();
        MultiDataSet data = packed();
        INDArray analytic = gradient(graph, data);
        Random pick = new Random(29);
        double maxRelative = 0;
        for (ParamLayout.Slot slot : new ParamLayout(config).slots()) {
            int samples = (int) Math.min(slot.length(), 12);
            for (int n = 0; n < samples; n++) {
                long i = slot.offset() + (samples == slot.length() ? n : (long) (pick.nextDouble() * slot.length()));
                double numeric = numericGradient(graph, data, i);
                double a = analytic.getDouble(i);
                double relative = relativeError(a, numeric);
                assertTrue(agrees(a, numeric),
                        slot.key() + "[" + (i - slot.offset()) + "]: analytic " + a + " numeric " + numeric);
                maxRelative = Math.max(maxRelative, relative);
            }
        }
        System.out.printf("segment gradient check: max relative error %.3e%n", maxRelative);
    }
}
