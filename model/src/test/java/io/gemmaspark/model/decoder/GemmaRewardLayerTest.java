package io.gemmaspark.model.decoder;

import static io.gemmaspark.model.decoder.DecoderTestSupport.agrees;
import static io.gemmaspark.model.decoder.DecoderTestSupport.numericGradient;
import static io.gemmaspark.model.decoder.DecoderTestSupport.relativeError;
import static io.gemmaspark.model.decoder.DecoderTestSupport.tinyConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.model.GemmaConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.NoOp;

/** The reward head: rewards against the plain-Java reference, the pairwise loss by hand, and a gradient check. */
class GemmaRewardLayerTest {
    private static final double CENTER = 0.01;
    // Two pairs (chosen, rejected), right-padded with 0 to T = 6; the margins 0.3 and 0.
    private static final int[][] IDS = {{2, 5, 7, 9, 0, 0}, {2, 5, 8, 0, 0, 0}, {2, 11, 3, 4, 6, 1}, {2, 11, 3, 0, 0, 0}};
    private static final int[] LENGTHS = {4, 3, 6, 3};
    private static final double[] MARGINS = {0.3, 0.3, 0, 0};

    private static ComputationGraph rewardGraph(GemmaConfig config, long seed) {
        ComputationGraph graph = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(seed)
                .dataType(DataType.DOUBLE).updater(new NoOp()).graphBuilder().addInputs("ids")
                .addLayer("reward", new GemmaRewardLayer(config, CENTER), "ids").setOutputs("reward").build());
        graph.init();
        Nd4j.getRandom().setSeed(seed);
        graph.params().assign(Nd4j.randn(DataType.DOUBLE, graph.params().shape()).muli(0.5));
        return graph;
    }

    private static MultiDataSet batch() {
        double[][] features = new double[IDS.length][];
        double[][] margins = new double[IDS.length][1];
        for (int b = 0; b < IDS.length; b++) {
            features[b] = java.util.Arrays.stream(IDS[b]).asDoubleStream().toArray();
            margins[b][0] = MARGINS[b];
        }
        return new MultiDataSet(new INDArray[] {Nd4j.createFromArray(features)},
                new INDArray[] {Nd4j.createFromArray(margins)}, null, null);
    }

    @Test
    void rewardsReadTheLastRealTokenAndTheLossIsBradleyTerryWithCentering() {
        GemmaConfig config = tinyConfig(4, 2, 2);
        ComputationGraph graph = rewardGraph(config, 5);
        long decoderParams = new ParamLayout(config).numParams();
        INDArray flat = graph.params().reshape('c', new long[] {graph.params().length()});
        Map<String, double[]> named = new LinkedHashMap<>();
        new ParamLayout(config).hfViews(flat.get(NDArrayIndex.interval(0, decoderParams)).reshape(1, decoderParams))
                .forEach((name, view) -> named.put(name, view.reshape('c', new long[] {view.length()}).toDoubleVector()));
        double[] score = flat.get(NDArrayIndex.interval(decoderParams, flat.length())).toDoubleVector();
        assertEquals(config.hiddenSize(), score.length);

        ReferenceGemma reference = new ReferenceGemma(config, named);
        double[] expected = new double[IDS.length];
        for (int b = 0; b < IDS.length; b++) {
            int[] seq = java.util.Arrays.copyOf(IDS[b], LENGTHS[b]);
            int[] positions = java.util.stream.IntStream.range(0, seq.length).toArray();
            double[] h = reference.hidden(seq, positions)[seq.length - 1];
            for (int i = 0; i < h.length; i++) {
                expected[b] += score[i] * h[i];
            }
        }
        MultiDataSet data = batch();
        INDArray rewards = graph.outputSingle(false, data.getFeatures(0));
        for (int b = 0; b < IDS.length; b++) {
            assertEquals(expected[b], rewards.getDouble(b), 1e-9, "reward of row " + b);
        }

        double loss = 0;
        for (int i = 0; i < 2; i++) {
            double z = expected[2 * i] - expected[2 * i + 1] - MARGINS[2 * i];
            loss += -Math.log(1 / (1 + Math.exp(-z))) + CENTER * Math.pow(expected[2 * i] + expected[2 * i + 1], 2);
        }
        assertEquals(loss / 2, graph.score(data), 1e-9);
    }

    @Test
    void gradientsMatchCentralDifferences() {
        GemmaConfig config = tinyConfig(4, 1, 2);
        ComputationGraph graph = rewardGraph(config, 9);
        MultiDataSet data = batch();
        graph.setInputs(data.getFeatures());
        graph.setLabels(data.getLabels());
        graph.computeGradientAndScore();
        INDArray analytic = graph.gradient().gradient().dup();
        graph.clearLayerMaskArrays();
        long decoderParams = new ParamLayout(config).numParams();
        Random pick = new Random(3);
        double maxRelative = 0;
        int checked = 0;
        for (int n = 0; n < 400; n++) {
            // every head element, then a random sample of the backbone
            long i = n < config.hiddenSize() ? decoderParams + n : (long) (pick.nextDouble() * decoderParams);
            double numeric = numericGradient(graph, data, i);
            double a = analytic.getDouble(i);
            double relative = relativeError(a, numeric);
            assertTrue(agrees(a, numeric), "param " + i + ": analytic " + a + " numeric " + numeric);
            maxRelative = Math.max(maxRelative, relative);
            checked++;
        }
        System.out.printf("reward gradient check: %d elements, max relative error %.3e%n", checked, maxRelative);
    }
}
