package io.gemmaspark.model.decoder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.impl.GaussianDistribution;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The decoder's parameters in their usual layout ({@link GemmaDecoderParamInitializer}), then the reward head
 * {@value #SCORE} {@code [1, hidden]} at the end of the flat vector, so a decoder checkpoint's flat buffer is a
 * prefix of the reward model's.
 */
public final class GemmaRewardParamInitializer implements ParamInitializer {
    public static final GemmaRewardParamInitializer INSTANCE = new GemmaRewardParamInitializer();
    /** DL4J key of the head (no underscore: the updater splits keys at the last one). */
    public static final String SCORE = "score";

    private static final GemmaDecoderParamInitializer DECODER = GemmaDecoderParamInitializer.INSTANCE;

    private GemmaRewardParamInitializer() {}

    private static long decoderParams(Layer layer) {
        return DECODER.numParams(layer);
    }

    private static int hidden(Layer layer) {
        return ((GemmaDecoderLayer) layer).gemmaConfig().hiddenSize();
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        return decoderParams(layer) + hidden(layer);
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        List<String> keys = new ArrayList<>(DECODER.paramKeys(layer));
        keys.add(SCORE);
        return keys;
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        List<String> keys = new ArrayList<>(DECODER.weightKeys(layer));
        keys.add(SCORE);
        return keys;
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return DECODER.biasKeys(layer);
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return weightKeys(layer).contains(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return biasKeys(layer).contains(key);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        Layer layer = conf.getLayer();
        long n = decoderParams(layer);
        Map<String, INDArray> views = new LinkedHashMap<>(DECODER.init(conf, prefix(paramsView, n), initializeParams));
        INDArray score = head(paramsView, n, hidden(layer));
        if (initializeParams) {
            Nd4j.getExecutioner().exec(new GaussianDistribution(score, 0.0,
                    ((GemmaDecoderLayer) layer).initStd()), Nd4j.getRandom());
        }
        conf.addVariable(SCORE);
        views.put(SCORE, score);
        return views;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        Layer layer = conf.getLayer();
        long n = decoderParams(layer);
        Map<String, INDArray> views = new LinkedHashMap<>(DECODER.getGradientsFromFlattened(conf,
                prefix(gradientView, n)));
        views.put(SCORE, head(gradientView, n, hidden(layer)));
        return views;
    }

    private static INDArray prefix(INDArray flat, long n) {
        return vector(flat).get(NDArrayIndex.interval(0, n));
    }

    private static INDArray head(INDArray flat, long offset, int hidden) {
        return vector(flat).get(NDArrayIndex.interval(offset, offset + hidden)).reshape('c', 1, hidden);
    }

    /** The flat view as rank 1 (DL4J hands it over as {@code [1, n]} or {@code [n]}), still a view. */
    private static INDArray vector(INDArray flat) {
        return flat.rank() == 1 ? flat : flat.reshape('c', new long[] {flat.length()});
    }
}
