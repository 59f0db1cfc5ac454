package io.gemmaspark.training.reward;

import io.gemmaspark.model.decoder.GemmaRewardOutputLayer;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Preference pairs as reward-model minibatches: rows {@code 2i} (chosen) and {@code 2i+1} (rejected), right-padded
 * with {@code <pad>} to {@code seq_len}; labels {@code [2n, 1]} hold each pair's margin.
 */
public final class RewardBatches {
    private RewardBatches() {
    }

    public static MultiDataSet minibatch(List<PreferencePair> pairs, int seqLen) {
        float[][] ids = new float[2 * pairs.size()][seqLen];
        float[][] margins = new float[2 * pairs.size()][1];
        for (int i = 0; i < pairs.size(); i++) {
            PreferencePair p = pairs.get(i);
            fill(ids[2 * i], p.chosen);
            fill(ids[2 * i + 1], p.rejected);
            margins[2 * i][0] = (float) p.margin;
            margins[2 * i + 1][0] = (float) p.margin;
        }
        return new MultiDataSet(new INDArray[] {Nd4j.createFromArray(ids)},
                new INDArray[] {Nd4j.createFromArray(margins)});
    }

    private static void fill(float[] row, int[] tokens) {
        java.util.Arrays.fill(row, GemmaRewardOutputLayer.PAD_ID);
        for (int t = 0; t < tokens.length; t++) {
            row[t] = tokens[t];
        }
    }
}
