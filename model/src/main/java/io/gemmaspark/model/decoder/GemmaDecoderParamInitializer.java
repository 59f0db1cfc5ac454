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

/**
 * Lays every decoder tensor out as a contiguous row-major slice of the layer's flat parameter (and gradient)
 * vector, in {@link ParamLayout} order. Norm weights count as DL4J "bias" parameters, so weight decay configured
 * for weights leaves them alone, as usual for normalisation gains.
 */
public final class GemmaDecoderParamInitializer implements ParamInitializer {
    public static final GemmaDecoderParamInitializer INSTANCE = new GemmaDecoderParamInitializer();

    private GemmaDecoderParamInitializer() {}

    private static ParamLayout layout(Layer layer) {
        return new ParamLayout(((GemmaDecoderLayer) layer).gemmaConfig());
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        return layout(layer).numParams();
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        List<String> keys = new ArrayList<>();
        layout(layer).slots().forEach(s -> keys.add(s.key()));
        return keys;
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        List<String> keys = new ArrayList<>();
        layout(layer).slots().stream().filter(s -> !s.isNorm()).forEach(s -> keys.add(s.key()));
        return keys;
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        List<String> keys = new ArrayList<>();
        layout(layer).slots().stream().filter(ParamLayout.Slot::isNorm).forEach(s -> keys.add(s.key()));
        return keys;
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
        GemmaDecoderLayer layer = (GemmaDecoderLayer) conf.getLayer();
        ParamLayout layout = new ParamLayout(layer.gemmaConfig());
        LinkedHashMap<String, INDArray> views = layout.views(paramsView);
        if (initializeParams) {
            for (ParamLayout.Slot slot : layout.slots()) {
                INDArray view = views.get(slot.key());
                if (slot.isNorm()) {
                    view.assign(0);
                } else {
                    Nd4j.getExecutioner().exec(new GaussianDistribution(view, 0.0, layer.initStd()), Nd4j.getRandom());
                }
            }
        }
        for (String key : views.keySet()) {
            conf.addVariable(key);
        }
        return views;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return layout(conf.getLayer()).views(gradientView);
    }
}
