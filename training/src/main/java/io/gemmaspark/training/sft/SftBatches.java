package io.gemmaspark.training.sft;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Fine-tuning rows as the decoder's minibatches: features {@code tokens[0..T)}, labels {@code tokens[1..T]}, the
 * per-token loss weights as the label mask and, for packed rows, the segment ids as the feature mask (the decoder
 * reads them as block-diagonal attention and per-segment RoPE positions).
 */
public final class SftBatches {
    private SftBatches() {
    }

    /** {@code rows} in order, cut into minibatches of {@code batchSize} (the last one may be smaller). */
    public static List<org.nd4j.linalg.dataset.api.MultiDataSet> minibatches(List<SftRow> rows, int batchSize,
            boolean withSegments) {
        List<org.nd4j.linalg.dataset.api.MultiDataSet> batches = new ArrayList<>();
        for (int from = 0; from < rows.size(); from += batchSize) {
            batches.add(minibatch(rows.subList(from, Math.min(rows.size(), from + batchSize)), withSegments));
        }
        return batches;
    }

    public static MultiDataSet minibatch(List<SftRow> rows, boolean withSegments) {
        int seqLen = rows.get(0).weights.length;
        float[][] inputs = new float[rows.size()][seqLen];
        float[][] labels = new float[rows.size()][seqLen];
        float[][] weights = new float[rows.size()][];
        float[][] segments = new float[rows.size()][seqLen];
        for (int r = 0; r < rows.size(); r++) {
            SftRow row = rows.get(r);
            for (int t = 0; t < seqLen; t++) {
                inputs[r][t] = row.tokens[t];
                labels[r][t] = row.tokens[t + 1];
                segments[r][t] = row.segments[t];
            }
            weights[r] = row.weights;
        }
        INDArray featureMask = withSegments ? Nd4j.createFromArray(segments) : null;
        return new MultiDataSet(new INDArray[] {Nd4j.createFromArray(inputs)},
                new INDArray[] {Nd4j.createFromArray(labels)},
                featureMask == null ? null : new INDArray[] {featureMask},
                new INDArray[] {Nd4j.createFromArray(weights)});
    }
}
