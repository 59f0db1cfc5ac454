package io.gemmaspark.model.decoder;

import static io.gemmaspark.model.decoder.DecoderTestSupport.agrees;
import static io.gemmaspark.model.decoder.DecoderTestSupport.doubles;
import static io.gemmaspark.model.decoder.DecoderTestSupport.numericGradient;
import static io.gemmaspark.model.decoder.DecoderTestSupport.randomDecoder;
import static io.gemmaspark.model.decoder.DecoderTestSupport.randomIds;
import static io.gemmaspark.model.decoder.DecoderTestSupport.relativeError;
import static io.gemmaspark.model.decoder.DecoderTestSupport.tinyConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.model.GemmaConfig;
import io.gemmaspark.model.GemmaWeights;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Random;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

class GemmaDecoderTest {

    @Test
    void projectionsReadingOneInputAreStackedViewsOfTheParameters() {
        GemmaDecoder decoder = randomDecoder(tinyConfig(4, 2, 2), DataType.FLOAT, 0.5, 5);
        for (DecoderTensors.Block b : decoder.tensors().blocks) {
            assertEquals(Nd4j.concat(0, b.q(), b.k(), b.v()), b.qkv(), "q, k, v stacked");
            assertEquals(Nd4j.concat(0, b.gate(), b.up()), b.gateUp(), "gate, up stacked");
        }
        // a view, not a copy: a parameter update is seen through it
        DecoderTensors.Block first = decoder.tensors().blocks.get(0);
        first.k().putScalar(1, 2, 42.0);
        assertEquals(42.0, first.qkv().getDouble(first.q().rows() + 1, 2));
        assertEquals(null, Kernels.stackedRows(first.k(), first.q()), "out of order is not stacked");
    }
    private static final int ELEMENTS_PER_TENSOR = 12;

    @ParameterizedTest(name = "heads {0}, kv heads {1}")
    @CsvSource({"4,1", "4,2", "4,4"})
    void forwardMatchesThePlainJavaReference(int heads, int kvHeads) {
        GemmaConfig config = tinyConfig(heads, kvHeads, 2);
        GemmaDecoder decoder = randomDecoder(config, DataType.DOUBLE, 0.5, 7);
        ReferenceGemma reference = new ReferenceGemma(config, doubles(decoder));
        int[][] ids = randomIds(new Random(3), 2, 9, config.vocabSize());
        INDArray logits = decoder.logits(ids);
        double maxError = 0;
        for (int b = 0; b < ids.length; b++) {
            double[][] expected = reference.logits(ids[b]);
            for (int t = 0; t < expected.length; t++) {
                for (int v = 0; v < expected[t].length; v++) {
                    maxError = Math.max(maxError, Math.abs(expected[t][v] - logits.getDouble(b, t, v)));
                }
            }
        }
        System.out.printf("reference parity (double, H=%d KV=%d): max |logit error| %.3e%n", heads, kvHeads,
                maxError);
        assertTrue(maxError < 1e-9, "max logit error " + maxError);
    }

    @Test
    void float32ForwardMatchesTheReferenceToSinglePrecision() {
        GemmaConfig config = tinyConfig(4, 2, 2);
        GemmaDecoder decoder = randomDecoder(config, DataType.FLOAT, 0.5, 11);
        ReferenceGemma reference = new ReferenceGemma(config, doubles(decoder));
        int[] ids = randomIds(new Random(5), 1, 12, config.vocabSize())[0];
        INDArray logits = decoder.logits(ids);
        double[][] expected = reference.logits(ids);
        double maxError = 0;
        for (int t = 0; t < expected.length; t++) {
            for (int v = 0; v < expected[t].length; v++) {
                maxError = Math.max(maxError, Math.abs(expected[t][v] - logits.getDouble(t, v)));
            }
        }
        System.out.printf("reference parity (float32): max |logit error| %.3e%n", maxError);
        assertTrue(maxError < 1e-4, "max logit error " + maxError);
    }

    @ParameterizedTest(name = "heads {0}, kv heads {1}")
    @CsvSource({"4,1", "4,2", "4,4"})
    void gradientsMatchCentralDifferencesForEveryParameter(int heads, int kvHeads) {
        GemmaConfig config = tinyConfig(heads, kvHeads, 2);
        GemmaDecoder decoder = randomDecoder(config, DataType.DOUBLE, 0.5, 13);
        ComputationGraph graph = decoder.graph();
        int[][] rows = randomIds(new Random(17), 2, 6, config.vocabSize());
        // Fractional weights (SFT/RLHF style) and a padded tail on the second sequence.
        float[][] weights = {{1f, 0.5f, 2f, 0f, 1.5f}, {1f, 1f, 0.25f, 0f, 0f}};
        MultiDataSet batch = GemmaDecoder.nextTokenBatch(rows, weights);
        castToDouble(batch);

        graph.setInputs(batch.getFeatures());
        graph.setLabels(batch.getLabels());
        graph.setLayerMaskArrays(null, batch.getLabelsMaskArrays());
        graph.computeGradientAndScore();
        double score = graph.score();
        INDArray analytic = graph.gradient().gradient().dup();
        assertEquals(score, graph.score(batch), 1e-12, "cached score equals a fresh forward");

        // Every tensor is checked; large ones at a random sample of elements to keep the test to seconds.
        Random pick = new Random(19);
        double maxRelative = 0;
        StringBuilder failures = new StringBuilder();
        int checked = 0;
        for (ParamLayout.Slot slot : new ParamLayout(config).slots()) {
            int samples = (int) Math.min(slot.length(), ELEMENTS_PER_TENSOR);
            for (int n = 0; n < samples; n++) {
                long i = slot.offset() + (samples == slot.length() ? n : (long) (pick.nextDouble() * slot.length()));
                double numeric = numericGradient(graph, batch, i);
                double a = analytic.getDouble(i);
                double relative = relativeError(a, numeric);
                if (!agrees(a, numeric)) {
                    failures.append(String.format("%s[%d]: analytic %.6e numeric %.6e%n", slot.key(),
                            i - slot.offset(), a, numeric));
                }
                maxRelative = Math.max(maxRelative, relative);
                checked++;
            }
        }
        System.out.printf("gradient check H=%d KV=%d: %d elements over every tensor, max relative error %.3e%n",
                heads, kvHeads, checked, maxRelative);
        assertTrue(failures.length() == 0, failures.toString());
    }

    @Test
    void paddedTokensAndShorterFinalBatchesAreHandled() {
        GemmaConfig config = tinyConfig(4, 1, 2);
        GemmaDecoder decoder = randomDecoder(config, DataType.DOUBLE, 0.5, 21);
        ReferenceGemma reference = new ReferenceGemma(config, doubles(decoder));
        int[][] rows = randomIds(new Random(23), 3, 8, config.vocabSize());
        // Row 1 is a 4-token document right-padded with garbage ids that must not matter.
        float[][] weights = new float[3][7];
        for (int b = 0; b < 3; b++) {
            for (int t = 0; t < 7; t++) {
                weights[b][t] = b == 1 && t >= 3 ? 0f : 1f;
            }
        }
        MultiDataSet batch = GemmaDecoder.nextTokenBatch(rows, weights);
        castToDouble(batch);
        double score = decoder.graph().score(batch);

        double total = 0;
        double count = 0;
        for (int b = 0; b < 3; b++) {
            int length = b == 1 ? 4 : 8;
            int[] features = java.util.Arrays.copyOf(rows[b], length - 1);
            double[][] logits = reference.logits(features);
            for (int t = 0; t < length - 1; t++) {
                total += crossEntropy(logits[t], rows[b][t + 1]);
                count++;
            }
        }
        assertEquals(total / count, score, 1e-10);

        // A shorter final batch (1 sequence) on the same network, and training steps on both sizes.
        decoder.graph().fit(batch);
        MultiDataSet last = GemmaDecoder.nextTokenBatch(new int[][] {rows[0]}, null);
        castToDouble(last);
        decoder.graph().fit(last);
        assertTrue(Double.isFinite(decoder.graph().score()));
    }

    @Test
    void lossOnAFixedBatchFallsWhenTraining() {
        GemmaConfig config = new GemmaConfig("train-test", 64, 32, 2, 4, 1, 8, 64, 64, 10000, 1e-6);
        GemmaDecoder decoder = GemmaDecoder.create(config, DataType.FLOAT, new Adam(1e-2), 1);
        MultiDataSet batch = GemmaDecoder.nextTokenBatch(randomIds(new Random(29), 4, 17, 64), null);
        double first = decoder.graph().score(batch);
        for (int step = 0; step < 60; step++) {
            decoder.graph().fit(batch);
        }
        double last = decoder.graph().score(batch);
        System.out.printf("training on a fixed batch: loss %.4f -> %.4f after 60 Adam steps%n", first, last);
        assertTrue(first > 3.5, "initial loss near ln(64)=4.16: " + first);
        assertTrue(last < 0.5, "memorised batch: " + last);
    }

    @Test
    void configurationRoundTripsThroughJsonAndJavaSerialization() throws Exception {
        GemmaConfig config = tinyConfig(4, 2, 3);
        ComputationGraphConfiguration conf = GemmaDecoder.graphConfiguration(config, DataType.FLOAT,
                new Adam(1e-3), 5);
        ComputationGraphConfiguration fromJson = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf, fromJson);
        GemmaDecoderLayer layer = (GemmaDecoderLayer) ((org.deeplearning4j.nn.conf.graph.LayerVertex)
                fromJson.getVertices().get(GemmaDecoder.LAYER)).getLayerConf().getLayer();
        assertEquals(config, layer.gemmaConfig());

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(conf);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertEquals(conf, in.readObject());
        }
    }

    @Test
    void weightsImportWithoutCopyAndExportByHuggingFaceName() {
        GemmaConfig config = tinyConfig(4, 2, 2);
        GemmaWeights weights = GemmaWeights.allocate(config);
        Nd4j.getRandom().setSeed(31);
        weights.flat().assign(Nd4j.randn(DataType.FLOAT, weights.flat().shape()).muli(0.3));
        GemmaDecoder decoder = GemmaDecoder.fromWeights(config, weights, null);
        int[] ids = {1, 5, 7, 2};
        INDArray before = decoder.logits(ids);

        // Adopted, not copied: writing through the weights changes the model.
        assertEquals(weights.flat().data().pointer().address(),
                decoder.graph().params().data().pointer().address());
        weights.get(GemmaWeights.qProj(1)).muli(2);
        assertTrue(before.sub(decoder.logits(ids)).amaxNumber().doubleValue() > 1e-4);

        GemmaWeights exported = decoder.toWeights();
        for (String name : GemmaWeights.expectedShapes(config).keySet()) {
            assertEquals(weights.get(name), exported.get(name), name);
        }
        // A copying import (weights not in one flat buffer) gives the same model.
        GemmaDecoder copy = GemmaDecoder.fromWeights(config, GemmaWeights.wrap(config,
                new java.util.LinkedHashMap<>(exported.tensors())), null);
        assertEquals(decoder.logits(ids), copy.logits(ids));
    }

    @Test
    void outOfVocabularyIdsAreRejectedWithTheirPosition() {
        GemmaDecoder decoder = randomDecoder(tinyConfig(4, 1, 1), DataType.FLOAT, 0.1, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> decoder.logits(new int[] {1, 2, 99}));
        assertTrue(e.getMessage().contains("99") && e.getMessage().contains("[0, 2]"), e.getMessage());
    }

    private static double crossEntropy(double[] logits, int label) {
        double max = Double.NEGATIVE_INFINITY;
        for (double l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (double l : logits) {
            sum += Math.exp(l - max);
        }
        return Math.log(sum) + max - logits[label];
    }

    private static void castToDouble(MultiDataSet batch) {
        batch.setFeatures(0, batch.getFeatures(0).castTo(DataType.DOUBLE));
        batch.setLabels(0, batch.getLabels(0).castTo(DataType.DOUBLE));
        if (batch.getLabelsMaskArrays() != null) {
            batch.setLabelsMaskArray(0, batch.getLabelsMaskArray(0).castTo(DataType.DOUBLE));
        }
    }
}
