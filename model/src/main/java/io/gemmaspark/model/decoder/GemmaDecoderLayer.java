package io.gemmaspark.model.decoder;

import io.gemmaspark.model.GemmaConfig;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * DL4J configuration of the whole Gemma decoder as one output layer (docs/dl4j-notes.md): token ids {@code [batch, T]}
 * in, next-token ids {@code [batch, T]} as labels, optional per-token loss weights {@code [batch, T]} as the label
 * mask; the score is the weighted mean cross-entropy {@code sum(w * ce) / sum(|w|)} (weights may be negative:
 * RLHF advantages).
 *
 * <p>Use it in a {@code ComputationGraph} with a single input and no input types:
 * <pre>{@code
 * new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).updater(new Adam(3e-4)).graphBuilder()
 *     .addInputs("ids").addLayer("decoder", new GemmaDecoderLayer(config), "ids").setOutputs("decoder").build();
 * }</pre>
 * (or {@link GemmaDecoder#graphConfiguration}). The shape fields are plain values so the configuration round-trips
 * through DL4J's JSON and Java serialization (both tested).
 */
public class GemmaDecoderLayer extends BaseOutputLayer {
    private static final long serialVersionUID = 1L;

    @JsonProperty
    private String modelName;
    @JsonProperty
    private int vocabSize;
    @JsonProperty
    private int hiddenSize;
    @JsonProperty
    private int numHiddenLayers;
    @JsonProperty
    private int numAttentionHeads;
    @JsonProperty
    private int numKeyValueHeads;
    @JsonProperty
    private int headDim;
    @JsonProperty
    private int intermediateSize;
    @JsonProperty
    private int maxPositionEmbeddings;
    @JsonProperty
    private double ropeTheta;
    @JsonProperty
    private double rmsNormEps;
    @JsonProperty
    private double initStd;
    /**
     * Keep only each block's input during the forward pass and recompute the block's activations in the backward
     * pass: one extra forward pass (about a third more compute) for activation memory of one block instead of
     * all of them. Off by default.
     */
    @JsonProperty
    private boolean activationRecompute;

    /** For JSON deserialization. */
    public GemmaDecoderLayer() {
        setActivationFn(new ActivationSoftmax());
        setLossFn(new LossMCXENT());
        setHasBias(false);
    }

    /** The decoder of {@code config}, weights initialised as N(0, 0.02) (norm weights 0). */
    public GemmaDecoderLayer(GemmaConfig config) {
        this(config, 0.02);
    }

    public GemmaDecoderLayer(GemmaConfig config, double initStd) {
        this();
        this.modelName = config.name();
        this.vocabSize = config.vocabSize();
        this.hiddenSize = config.hiddenSize();
        this.numHiddenLayers = config.numHiddenLayers();
        this.numAttentionHeads = config.numAttentionHeads();
        this.numKeyValueHeads = config.numKeyValueHeads();
        this.headDim = config.headDim();
        this.intermediateSize = config.intermediateSize();
        this.maxPositionEmbeddings = config.maxPositionEmbeddings();
        this.ropeTheta = config.ropeTheta();
        this.rmsNormEps = config.rmsNormEps();
        this.initStd = initStd;
        setNIn(hiddenSize);
        setNOut(vocabSize);
    }

    public GemmaConfig gemmaConfig() {
        return new GemmaConfig(modelName, vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads,
                numKeyValueHeads, headDim, intermediateSize, maxPositionEmbeddings, ropeTheta, rmsNormEps);
    }

    public double initStd() {
        return initStd;
    }

    public boolean activationRecompute() {
        return activationRecompute;
    }

    /** Sets {@link #activationRecompute()}; returns this layer for chaining. */
    public GemmaDecoderLayer activationRecompute(boolean recompute) {
        this.activationRecompute = recompute;
        return this;
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
            Collection<TrainingListener> listeners, int layerIndex, INDArray paramsView, boolean initializeParams,
            DataType networkDataType) {
        GemmaDecoderOutputLayer layer = newOutputLayer(conf, networkDataType);
        layer.setListeners(listeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(paramsView);
        Map<String, INDArray> table = initializer().init(conf, paramsView, initializeParams);
        layer.setParamTable(table);
        layer.setConf(conf);
        return layer;
    }

    /**
     * The runtime layer {@link #instantiate} wires up (listeners, parameter views, initialisation); a subclass with
     * its own head (the reward model) supplies its own kind here and its own {@link #initializer()}.
     */
    protected GemmaDecoderOutputLayer newOutputLayer(NeuralNetConfiguration conf, DataType networkDataType) {
        return new GemmaDecoderOutputLayer(conf, networkDataType);
    }

    @Override
    public ParamInitializer initializer() {
        return GemmaDecoderParamInitializer.INSTANCE;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.recurrent(vocabSize);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        // Ids carry no width: the decoder's shape comes from its GemmaConfig alone.
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public boolean isPretrainParam(String paramName) {
        return false;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        long params = new ParamLayout(gemmaConfig()).numParams();
        return new LayerMemoryReport.Builder(layerName, GemmaDecoderLayer.class, inputType,
                getOutputType(0, inputType))
                .standardMemory(params, params)
                .workingMemory(0, 0, MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .build();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof GemmaDecoderLayer other) || !super.equals(o)) {
            return false;
        }
        return Objects.equals(modelName, other.modelName) && vocabSize == other.vocabSize
                && hiddenSize == other.hiddenSize && numHiddenLayers == other.numHiddenLayers
                && numAttentionHeads == other.numAttentionHeads && numKeyValueHeads == other.numKeyValueHeads
                && headDim == other.headDim && intermediateSize == other.intermediateSize
                && maxPositionEmbeddings == other.maxPositionEmbeddings && ropeTheta == other.ropeTheta
                && rmsNormEps == other.rmsNormEps && initStd == other.initStd
                && activationRecompute == other.activationRecompute;
    }

    @Override
    protected boolean canEqual(Object other) {
        return other instanceof GemmaDecoderLayer;
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Objects.hash(modelName, vocabSize, hiddenSize, numHiddenLayers,
                numAttentionHeads, numKeyValueHeads, headDim, intermediateSize, maxPositionEmbeddings, ropeTheta,
                rmsNormEps, initStd, activationRecompute);
    }
}
