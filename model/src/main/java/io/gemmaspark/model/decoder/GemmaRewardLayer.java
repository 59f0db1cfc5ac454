package io.gemmaspark.model.decoder;

import io.gemmaspark.model.GemmaConfig;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * DL4J configuration of a Gemma reward model as one output layer: the decoder backbone plus a scalar head
 * {@code score.weight [1, hidden]} without bias (Hugging Face's {@code GemmaForSequenceClassification} with one
 * label), reading the final-norm hidden state at each sequence's last non-pad token.
 *
 * <p>Batches hold preference pairs: row {@code 2i} the chosen sequence, row {@code 2i+1} the rejected one, each
 * right-padded with {@code <pad>} (id 0; the reward is read before the first pad, as Hugging Face does); the
 * labels {@code [batch, 1]} carry the pair's margin (read from the chosen row). The score is the Bradley–Terry loss
 * {@code mean(-log σ(r_c − r_r − margin)) + center · mean((r_c + r_r)²)}.
 */
public class GemmaRewardLayer extends GemmaDecoderLayer {
    private static final long serialVersionUID = 1L;
    /** Default of TRL's {@code center_rewards_coefficient} as the issue asks for it. */
    public static final double DEFAULT_CENTER = 0.01;

    @JsonProperty
    private double centerCoefficient = DEFAULT_CENTER;

    /** For JSON deserialization. */
    public GemmaRewardLayer() {
        super();
        scalarHead();
    }

    public GemmaRewardLayer(GemmaConfig config, double centerCoefficient) {
        super(config);
        scalarHead();
        this.centerCoefficient = centerCoefficient;
        setNOut(1);
    }

    /** The reward is a raw scalar (DL4J rejects softmax with one output); the loss is the layer's own. */
    private void scalarHead() {
        setActivationFn(new ActivationIdentity());
        setLossFn(new LossMSE());
    }

    public double centerCoefficient() {
        return centerCoefficient;
    }

    @Override
    protected GemmaDecoderOutputLayer newOutputLayer(NeuralNetConfiguration conf, DataType networkDataType) {
        return new GemmaRewardOutputLayer(conf, networkDataType);
    }

    @Override
    public ParamInitializer initializer() {
        return GemmaRewardParamInitializer.INSTANCE;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(1);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GemmaRewardLayer other && super.equals(o) && centerCoefficient == other.centerCoefficient;
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Double.hashCode(centerCoefficient);
    }
}
