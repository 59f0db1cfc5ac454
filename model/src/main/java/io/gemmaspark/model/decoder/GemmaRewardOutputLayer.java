package io.gemmaspark.model.decoder;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runtime of {@link GemmaRewardLayer}: the decoder's forward pass to the final norm, the reward
 * {@code r = score · h_last} of each sequence (h at its last non-pad token), the pairwise Bradley–Terry loss, and
 * its backward pass (through the head, then {@link DecoderPass#backwardFromHidden}).
 */
public class GemmaRewardOutputLayer extends GemmaDecoderOutputLayer {
    private static final long serialVersionUID = 1L;
    /** Gemma's {@code <pad>}. */
    public static final int PAD_ID = 0;

    public GemmaRewardOutputLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private GemmaRewardLayer rewardConf() {
        return (GemmaRewardLayer) layerConf();
    }

    private INDArray scoreWeight() {
        return params.get(GemmaRewardParamInitializer.SCORE);
    }

    /** One forward pass: the hidden states, each row's last real token and its reward. */
    private final class Rewards {
        final DecoderPass pass;
        final int batch;
        final int time;
        final int[] last;
        final INDArray hiddenLast; // [batch, hidden]
        final INDArray rewards;    // [batch, 1]

        Rewards() {
            batch = (int) input.size(0);
            time = (int) input.size(input.rank() - 1);
            int[] ids = input.reshape('c', new long[] {input.length()}).toIntVector();
            pass = new DecoderPass(gemmaConfig(), tensors(), ids, batch, time);
            INDArray hidden = pass.forwardHidden();
            last = lastRealTokens(ids, batch, time);
            int[] rows = new int[batch];
            for (int b = 0; b < batch; b++) {
                rows[b] = b * time + last[b];
            }
            hiddenLast = Nd4j.pullRows(hidden, 1, rows);
            rewards = hiddenLast.mmul(scoreWeight().transpose());
        }
    }

    /**
     * Each row's last non-pad token, as Hugging Face's {@code GemmaForSequenceClassification} finds it: the token
     * before the first {@code <pad>} (id {@value #PAD_ID}), or the last one when the row has no padding.
     */
    private static int[] lastRealTokens(int[] ids, int batch, int time) {
        int[] last = new int[batch];
        for (int b = 0; b < batch; b++) {
            int t = 0;
            while (t < time && ids[b * time + t] != PAD_ID) {
                t++;
            }
            last[b] = Math.max(0, t - 1);
        }
        return last;
    }

    /** The pairwise loss and dLoss/dReward {@code [batch]}. */
    private double loss(INDArray rewards, double[] dRewards) {
        int batch = (int) rewards.length();
        if (batch % 2 != 0) {
            throw new IllegalArgumentException("reward batches hold (chosen, rejected) pairs: " + batch + " rows");
        }
        int pairs = batch / 2;
        double center = rewardConf().centerCoefficient();
        double loss = 0;
        for (int i = 0; i < pairs; i++) {
            double chosen = rewards.getDouble(2 * i);
            double rejected = rewards.getDouble(2 * i + 1);
            double margin = labels == null ? 0 : labels.getDouble(2 * i);
            double z = chosen - rejected - margin;
            // -log σ(z) = softplus(-z), computed stably; d/dz = -σ(-z)
            loss += Math.max(-z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
            double sigmoidMinusZ = 1 / (1 + Math.exp(z));
            double sum = chosen + rejected;
            loss += center * sum * sum;
            if (dRewards != null) {
                dRewards[2 * i] = (-sigmoidMinusZ + 2 * center * sum) / pairs;
                dRewards[2 * i + 1] = (sigmoidMinusZ + 2 * center * sum) / pairs;
            }
        }
        return loss / pairs;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        Rewards r = new Rewards();
        double[] dRewards = new double[r.batch];
        cachedScore = loss(r.rewards, dRewards);
        scoreCached = true;
        INDArray dr = Nd4j.createFromArray(dRewards).castTo(r.rewards.dataType()).reshape(r.batch, 1);
        // r_b = score · h_b: dScore = sum_b dr_b h_b, dh_b = dr_b score (at the last real token, 0 elsewhere).
        gradientViews.get(GemmaRewardParamInitializer.SCORE).assign(dr.transpose().mmul(r.hiddenLast));
        INDArray dHidden = Nd4j.zeros(r.rewards.dataType(), (long) r.batch * r.time, gemmaConfig().hiddenSize());
        INDArray dLast = dr.mmul(scoreWeight());
        for (int b = 0; b < r.batch; b++) {
            dHidden.getRow((long) b * r.time + r.last[b]).assign(dLast.getRow(b));
        }
        r.pass.backwardFromHidden(dHidden, DecoderTensors.of(gradientViews, gemmaConfig().numHiddenLayers()));
        Gradient gradient = new DefaultGradient(gradientsFlattened);
        gradientViews.forEach((key, view) -> gradient.gradientForVariable().put(key, view));
        this.gradient = gradient;
        return new Pair<>(gradient, null);
    }

    private transient boolean scoreCached;
    private transient double cachedScore;

    @Override
    public double computeScore(double fullNetRegTerm, boolean training, LayerWorkspaceMgr workspaceMgr) {
        double loss = scoreCached ? cachedScore : loss(new Rewards().rewards, null);
        scoreCached = false;
        score = loss + fullNetRegTerm;
        return score;
    }

    @Override
    public INDArray computeScoreForExamples(double fullNetRegTerm, LayerWorkspaceMgr workspaceMgr) {
        throw new UnsupportedOperationException("the reward loss is defined per pair, not per example");
    }

    @Override
    public void computeGradientAndScore(LayerWorkspaceMgr workspaceMgr) {
        backpropGradient(null, workspaceMgr);
        computeScore(calcRegularizationScore(true), true, workspaceMgr);
    }

    /** Rewards {@code [batch, 1]}. */
    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, new Rewards().rewards);
    }

    @Override
    public void setInput(INDArray input, LayerWorkspaceMgr workspaceMgr) {
        scoreCached = false;
        super.setInput(input, workspaceMgr);
    }

    @Override
    public void setLabels(INDArray labels) {
        scoreCached = false;
        super.setLabels(labels);
    }

    @Override
    public void setMaskArray(INDArray maskArray) {
        scoreCached = false;
        super.setMaskArray(maskArray);
    }
}
