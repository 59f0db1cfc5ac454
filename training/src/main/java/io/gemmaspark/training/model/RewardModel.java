package io.gemmaspark.training.model;

import io.gemmaspark.model.GemmaConfig;
import io.gemmaspark.model.GemmaWeights;
import io.gemmaspark.model.decoder.GemmaDecoder;
import io.gemmaspark.model.decoder.GemmaRewardLayer;
import io.gemmaspark.model.decoder.GemmaRewardParamInitializer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The reward model's graph: the Gemma backbone plus the {@code score.weight} head in one DL4J output layer
 * ({@link GemmaRewardLayer}), trained with the same optimiser settings as every other model.
 */
public final class RewardModel {
    public static final String LAYER = "reward";

    private RewardModel() {
    }

    public static ComputationGraph build(GemmaConfig shape, TrainingSettings training, double centerCoefficient) {
        ComputationGraphConfiguration conf = training.networkBuilder().graphBuilder()
                .addInputs(GemmaDecoder.INPUT)
                .addLayer(LAYER, new GemmaRewardLayer(shape, centerCoefficient), GemmaDecoder.INPUT)
                .setOutputs(LAYER)
                .build();
        LayerVertex vertex = (LayerVertex) conf.getVertices().get(LAYER);
        training.applyToCustomLayer((GemmaRewardLayer) vertex.getLayerConf().getLayer());
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        return graph;
    }

    /** Copies a decoder's weights into the backbone (the head keeps its initialisation). */
    public static void copyBackbone(GemmaWeights weights, ComputationGraph graph) {
        INDArray flat = graph.params().reshape('c', new long[] {graph.params().length()});
        long n = weights.flat().length();
        flat.get(NDArrayIndex.interval(0, n)).assign(weights.flat().reshape('c', new long[] {n}));
    }

    /** The head {@code score.weight [1, hidden]}, a live view. */
    public static INDArray scoreWeight(ComputationGraph graph) {
        return graph.getLayer(LAYER).getParam(GemmaRewardParamInitializer.SCORE);
    }

    /** The backbone's parameters: a live view of the flat prefix in the decoder's layout. */
    public static INDArray backbone(ComputationGraph graph, GemmaConfig shape) {
        INDArray flat = graph.params().reshape('c', new long[] {graph.params().length()});
        return flat.get(NDArrayIndex.interval(0, shape.parameterCount()));
    }
}
