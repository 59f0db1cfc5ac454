package io.gemmaspark.training.model;

import io.gemmaspark.model.GemmaConfig;
import io.gemmaspark.model.decoder.GemmaDecoder;
import io.gemmaspark.model.decoder.GemmaDecoderLayer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * The Gemma decoder: the whole network is one DL4J output layer ({@link GemmaDecoderLayer}), so DL4J's per-layer
 * gradient clipping is global-norm clipping. Its score is already the mean loss per (weighted) token.
 */
public final class GemmaDecoderModel implements ModelFactory {

    @Override
    public ComputationGraph build(GemmaConfig shape, int seqLen, TrainingSettings training) {
        ComputationGraphConfiguration conf = training.networkBuilder().graphBuilder()
                .addInputs(GemmaDecoder.INPUT)
                .addLayer(GemmaDecoder.LAYER, new GemmaDecoderLayer(shape).activationRecompute(training.activationRecompute()),
                        GemmaDecoder.INPUT)
                .setOutputs(GemmaDecoder.LAYER)
                .build();
        // After build(): the builder's global clipping never reaches this layer, and its weight decay arrives twice.
        LayerVertex decoder = (LayerVertex) conf.getVertices().get(GemmaDecoder.LAYER);
        training.applyToCustomLayer((GemmaDecoderLayer) decoder.getLayerConf().getLayer());
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        return graph;
    }

    @Override
    public LabelLayout labelLayout() {
        return LabelLayout.IDS;
    }
}
