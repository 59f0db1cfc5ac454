package io.gemmaspark.training.rlhf;

import io.gemmaspark.model.decoder.GemmaDecoder;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Per-token log-probabilities and entropies of replies under a decoder: for a sequence {@code prompt + reply},
 * the log-probability of each reply token given everything before it.
 */
final class PolicySamples {
    private PolicySamples() {
    }

    /** {@code {logProbs, entropies}} of the reply tokens {@code sequence[promptLength..]}. */
    static double[][] score(GemmaDecoder decoder, int[] sequence, int promptLength) {
        INDArray logits = decoder.logits(java.util.Arrays.copyOf(sequence, sequence.length - 1));
        INDArray logProbs = Transforms.log(Transforms.softmax(logits.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE),
                true), false);
        int n = sequence.length - promptLength;
        double[] chosen = new double[n];
        double[] entropy = new double[n];
        for (int i = 0; i < n; i++) {
            int position = promptLength + i - 1;
            INDArray row = logProbs.getRow(position);
            chosen[i] = row.getDouble(sequence[promptLength + i]);
            entropy[i] = -Transforms.exp(row, true).muli(row).sumNumber().doubleValue();
        }
        return new double[][] {chosen, entropy};
    }
}
