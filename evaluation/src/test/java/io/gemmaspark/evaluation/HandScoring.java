package io.gemmaspark.evaluation;

import io.gemmaspark.model.decoder.GemmaDecoder;

/**
 * Log-probabilities computed directly in the tests: one decoder forward over a whole sequence, then a softmax
 * written out by hand. No evaluation code is involved.
 */
final class HandScoring {
    private final GemmaDecoder decoder;

    HandScoring(GemmaDecoder decoder) {
        this.decoder = decoder;
    }

    /** {@code log p(sequence[i] | sequence[:i])} for i in [from, sequence.length), summed. */
    double logprob(int[] sequence, int from) {
        float[][] logits = decoder.logits(sequence).toFloatMatrix();
        double sum = 0;
        for (int i = from; i < sequence.length; i++) {
            sum += logSoftmax(logits[i - 1], sequence[i]);
        }
        return sum;
    }

    /** Log-probability that position {@code position} of {@code input} is followed by {@code next}. */
    double logprobAt(int[] input, int position, int next) {
        return logSoftmax(decoder.logits(input).toFloatMatrix()[position], next);
    }

    int argmaxAt(int[] input, int position) {
        float[] row = decoder.logits(input).toFloatMatrix()[position];
        int best = 0;
        for (int v = 1; v < row.length; v++) {
            if (row[v] > row[best]) {
                best = v;
            }
        }
        return best;
    }

    static double logSoftmax(float[] row, int target) {
        double z = 0;
        for (float v : row) {
            z += Math.exp(v);
        }
        return row[target] - Math.log(z);
    }

    static int[] concat(int[] a, int[] b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static int[] withBos(int[] ids) {
        int[] out = new int[ids.length + 1];
        out[0] = 2;
        System.arraycopy(ids, 0, out, 1, ids.length);
        return out;
    }
}
