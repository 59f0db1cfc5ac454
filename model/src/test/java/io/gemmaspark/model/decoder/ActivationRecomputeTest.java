package io.gemmaspark.model.decoder;

import static io.gemmaspark.model.decoder.DecoderTestSupport.randomDecoder;
import static io.gemmaspark.model.decoder.DecoderTestSupport.randomIds;
import static io.gemmaspark.model.decoder.DecoderTestSupport.tinyConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.model.GemmaConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Random;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;

/** Recomputing each block's activations in the backward pass changes memory, not gradients. */
class ActivationRecomputeTest {

    @ParameterizedTest(name = "{0}, heads {1}, kv heads {2}")
    @CsvSource({"DOUBLE,4,1", "DOUBLE,4,2", "FLOAT,4,4"})
    void recomputedActivationsGiveTheSameGradientsAsStoredOnes(DataType dtype, int heads, int kvHeads) {
        GemmaConfig config = tinyConfig(heads, kvHeads, 3);
        GemmaDecoder stored = randomDecoder(config, dtype, 0.5, 41);
        ComputationGraph recomputed = new ComputationGraph(configuration(config, dtype, true));
        recomputed.init(stored.graph().params().dup(), false);

        int[][] rows = randomIds(new Random(43), 2, 7, config.vocabSize());
        float[][] weights = {{1f, 0.5f, 2f, 0f, 1.5f, 1f}, {1f, 1f, 0.25f, 1f, 0f, 0f}};
        MultiDataSet batch = GemmaDecoder.nextTokenBatch(rows, weights);
        batch.setFeatures(0, batch.getFeatures(0).castTo(dtype));
        batch.setLabels(0, batch.getLabels(0).castTo(dtype));
        batch.setLabelsMaskArray(0, batch.getLabelsMaskArray(0).castTo(dtype));

        INDArray expected = gradient(stored.graph(), batch);
        INDArray actual = gradient(recomputed, batch);
        double maxDifference = expected.sub(actual).amaxNumber().doubleValue();
        System.out.printf("activation recompute (%s, H=%d KV=%d): max |gradient difference| %.3e over %d values%n",
                dtype, heads, kvHeads, maxDifference, expected.length());
        assertTrue(expected.amaxNumber().doubleValue() > 0);
        // The same ops on the same inputs in the same order: identical, not merely close.
        assertEquals(0.0, maxDifference, "recomputed gradients differ from stored-activation gradients");
        assertEquals(stored.graph().score(), recomputed.score(), 0.0);
    }

    @Test
    void trainingWithRecomputeFollowsTheSameTrajectory() {
        GemmaConfig config = tinyConfig(4, 1, 2);
        GemmaDecoder stored = GemmaDecoder.create(config, DataType.FLOAT, new Adam(1e-2), 3);
        ComputationGraph recomputed = new ComputationGraph(configuration(config, DataType.FLOAT, true, new Adam(1e-2)));
        recomputed.init(stored.graph().params().dup(), false);
        MultiDataSet batch = GemmaDecoder.nextTokenBatch(randomIds(new Random(47), 3, 9, config.vocabSize()), null);
        for (int step = 0; step < 5; step++) {
            stored.graph().fit(batch);
            recomputed.fit(batch);
        }
        assertEquals(stored.graph().params(), recomputed.params());
    }

    @Test
    void theOptionRoundTripsThroughJsonAndJavaSerializationAndIsOffByDefault() throws Exception {
        GemmaConfig config = tinyConfig(4, 2, 2);
        assertFalse(new GemmaDecoderLayer(config).activationRecompute());
        ComputationGraphConfiguration conf = configuration(config, DataType.FLOAT, true);
        ComputationGraphConfiguration fromJson = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf, fromJson);
        assertTrue(layer(fromJson).activationRecompute());
        assertFalse(conf.equals(configuration(config, DataType.FLOAT, false)));

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(conf);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            ComputationGraphConfiguration read = (ComputationGraphConfiguration) in.readObject();
            assertEquals(conf, read);
            assertTrue(layer(read).activationRecompute());
        }
    }

    private static INDArray gradient(ComputationGraph graph, MultiDataSet batch) {
        graph.setInputs(batch.getFeatures());
        graph.setLabels(batch.getLabels());
        graph.setLayerMaskArrays(null, batch.getLabelsMaskArrays());
        graph.computeGradientAndScore();
        return graph.gradient().gradient().dup();
    }

    private static ComputationGraphConfiguration configuration(GemmaConfig config, DataType dtype,
            boolean recompute) {
        return configuration(config, dtype, recompute, new NoOp());
    }

    private static ComputationGraphConfiguration configuration(GemmaConfig config, DataType dtype,
            boolean recompute, org.nd4j.linalg.learning.config.IUpdater updater) {
        return new NeuralNetConfiguration.Builder().seed(3).dataType(dtype).updater(updater)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED).inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .graphBuilder()
                .addInputs(GemmaDecoder.INPUT)
                .addLayer(GemmaDecoder.LAYER, new GemmaDecoderLayer(config).activationRecompute(recompute),
                        GemmaDecoder.INPUT)
                .setOutputs(GemmaDecoder.LAYER)
                .build();
    }

    private static GemmaDecoderLayer layer(ComputationGraphConfiguration conf) {
        return (GemmaDecoderLayer) ((LayerVertex) conf.getVertices().get(GemmaDecoder.LAYER)).getLayerConf()
                .getLayer();
    }
}
