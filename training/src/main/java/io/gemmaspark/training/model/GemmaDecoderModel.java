package io.gemmaspark.training.model;

import io.gemmaspark.model.GemmaConfig;
import io.gemmaspark.model.decoder.GemmaDecoder;
import io.gemmaspark.model.decoder.GemmaDecoderLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * The Gemma decoder: the whole network is one DL4J output layer ({@link GemmaDecoderLayer}), so DL4J's per-layer
 * gradient clipping, set on the layer itself, is global-norm clipping. Its score is already the mean loss per (weighted) token.
 */
public final class GemmaDecoderModel implements ModelFactory {

    @Override
    public ComputationGraph build(GemmaConfig shape, int seqLen, TrainingSettings training) {
        GemmaDecoderLayer decoder = training.applyClipping(new GemmaDecoderLayer(shape));
        ComputationGraph graph = new ComputationGraph(training.networkBuilder().graphBuilder()
                .addInputs(GemmaDecoder.INPUT)
                .addLayer(GemmaDecoder.LAYER, decoder, GemmaDecoder.INPUT)
                .setOutputs(GemmaDecoder.LAYER)
                .build());
        graph.init();
        return graph;
    }

    @Override
    public LabelLayout labelLayout() {
        return LabelLayout.IDS;
    }
}
