package io.gemmaspark.model.decoder;

import io.gemmaspark.model.GemmaConfig;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseOutputLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The runtime of {@link GemmaDecoderLayer}: forward and backward of the whole decoder by hand over ND4J ops.
 *
 * <p>DL4J never runs an output layer's forward during training; it calls {@link #backpropGradient} and then
 * {@link #computeScore}. So the forward runs inside {@code backpropGradient} and the score is cached until the
 * input, labels or mask change. The score is already a per-token mean, so the updater must not divide by the
 * minibatch size again. {@link #activate} returns logits {@code [batch, T, vocab]}.
 */
public class GemmaDecoderOutputLayer extends BaseOutputLayer<GemmaDecoderLayer> {
    private static final long serialVersionUID = 1L;

    private transient boolean lossCached;
    private transient double cachedLoss;

    public GemmaDecoderOutputLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    public GemmaConfig gemmaConfig() {
        return layerConf().gemmaConfig();
    }

    /** Typed views of the live parameters. */
    public DecoderTensors tensors() {
        return DecoderTensors.of(params, gemmaConfig().numHiddenLayers());
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (labels == null) {
            throw new IllegalStateException("GemmaDecoderOutputLayer: no labels set (next-token ids [batch, T])");
        }
        long[] shape = batchAndTime(input);
        DecoderPass pass = new DecoderPass(gemmaConfig(), tensors(), tokenIds(input, "input"), (int) shape[0],
                (int) shape[1], layerConf().activationRecompute());
        pass.forward();
        cachedLoss = pass.lossAndLogitGradient(tokenIds(labels, "label"), weights());
        lossCached = true;
        pass.backward(DecoderTensors.of(gradientViews, gemmaConfig().numHiddenLayers()));

        Gradient gradient = new DefaultGradient(gradientsFlattened);
        gradientViews.forEach((key, view) -> gradient.gradientForVariable().put(key, view));
        this.gradient = gradient;
        // The ids have no gradient: like DL4J's EmbeddingLayer, return none.
        return new Pair<>(gradient, null);
    }

    @Override
    public double computeScore(double fullNetRegTerm, boolean training, LayerWorkspaceMgr workspaceMgr) {
        double loss = cachedLoss;
        if (!lossCached) {
            DecoderPass pass = newPass();
            pass.forward();
            loss = pass.lossAndLogitGradient(tokenIds(labels, "label"), weights());
        }
        // The cached loss belongs to the parameters of the backprop that produced it: use it once.
        lossCached = false;
        score = loss + fullNetRegTerm;
        return score;
    }

    @Override
    public INDArray computeScoreForExamples(double fullNetRegTerm, LayerWorkspaceMgr workspaceMgr) {
        DecoderPass pass = newPass();
        pass.forward();
        INDArray perSequence = pass.perSequenceLoss(tokenIds(labels, "label"), weights()).addi(fullNetRegTerm);
        return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, perSequence.reshape(perSequence.length(), 1));
    }

    @Override
    public void computeGradientAndScore(LayerWorkspaceMgr workspaceMgr) {
        backpropGradient(null, workspaceMgr);
        computeScore(calcRegularizationScore(true), true, workspaceMgr);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        long[] shape = batchAndTime(input);
        INDArray logits = newPass().forward().reshape('c', shape[0], shape[1], gemmaConfig().vocabSize());
        return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, logits);
    }

    @Override
    public INDArray activate(INDArray input, boolean training, LayerWorkspaceMgr workspaceMgr) {
        setInput(input, workspaceMgr);
        return activate(training, workspaceMgr);
    }

    private DecoderPass newPass() {
        long[] shape = batchAndTime(input);
        return new DecoderPass(gemmaConfig(), tensors(), tokenIds(input, "input"), (int) shape[0], (int) shape[1]);
    }

    private INDArray weights() {
        if (maskArray == null) {
            return null;
        }
        long[] shape = batchAndTime(input);
        if (maskArray.length() != shape[0] * shape[1]) {
            throw new IllegalArgumentException("label mask/weights have shape " + java.util.Arrays.toString(
                    maskArray.shape()) + " but the input is [" + shape[0] + ", " + shape[1] + "]");
        }
        return maskArray;
    }

    /** {@code [batch, T]}, also accepting DL4J's recurrent {@code [batch, 1, T]}. */
    private static long[] batchAndTime(INDArray ids) {
        if (ids.rank() == 2) {
            return ids.shape();
        }
        if (ids.rank() == 3 && ids.size(1) == 1) {
            return new long[] {ids.size(0), ids.size(2)};
        }
        throw new IllegalArgumentException("token ids must be [batch, T] (or [batch, 1, T]); got shape "
                + java.util.Arrays.toString(ids.shape()));
    }

    private int[] tokenIds(INDArray array, String what) {
        long[] shape = batchAndTime(input);
        if (array.length() != shape[0] * shape[1]) {
            throw new IllegalArgumentException(what + " ids have shape " + java.util.Arrays.toString(array.shape())
                    + " but the input is [" + shape[0] + ", " + shape[1] + "]");
        }
        int[] ids = array.reshape('c', new long[] {array.length()}).toIntVector();
        int vocab = gemmaConfig().vocabSize();
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocab) {
                throw new IllegalArgumentException(what + " id " + ids[i] + " at [" + i / shape[1] + ", "
                        + i % shape[1] + "] is outside the vocabulary [0, " + vocab + ")");
            }
        }
        return ids;
    }

    @Override
    public void setInput(INDArray input, LayerWorkspaceMgr workspaceMgr) {
        if (input != this.input) {
            lossCached = false;
        }
        super.setInput(input, workspaceMgr);
    }

    @Override
    public void setLabels(INDArray labels) {
        if (labels != this.labels) {
            lossCached = false;
        }
        super.setLabels(labels);
    }

    @Override
    public void setMaskArray(INDArray maskArray) {
        if (maskArray != this.maskArray) {
            lossCached = false;
        }
        super.setMaskArray(maskArray);
    }

    /** Feature masks are ignored: padding is expressed by zero loss weights in the label mask. */
    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArray(INDArray maskArray, MaskState currentMaskState,
            int minibatchSize) {
        return null;
    }

    @Override
    public void clear() {
        super.clear();
        lossCached = false;
    }

    /**
     * DL4J's default reshapes each slice column-major (and expects a {@code [1, n]} row); every view here is a
     * row-major slice of the flat vector in order, so a flat copy sets them all.
     */
    @Override
    public void setParams(INDArray params) {
        if (params == paramsFlattened) {
            return;
        }
        if (params.length() != paramsFlattened.length()) {
            throw new IllegalArgumentException("decoder parameters: expected " + paramsFlattened.length()
                    + " values, got " + params.length());
        }
        paramsFlattened.assign(params.reshape('c', paramsFlattened.shape()));
    }

    /** The score is a per-token weighted mean already. */
    @Override
    public boolean updaterDivideByMinibatch(String paramName) {
        return false;
    }

    @Override
    protected INDArray getLabels2d(LayerWorkspaceMgr workspaceMgr, ArrayType arrayType) {
        return labels;
    }

    @Override
    public boolean needsLabels() {
        return true;
    }

    @Override
    public int numLabels() {
        return gemmaConfig().vocabSize();
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public boolean hasBias() {
        return false;
    }
}
