package io.gemmaspark.model.generation;

import io.gemmaspark.model.decoder.Kernels;
import java.util.Arrays;
import java.util.Random;

/**
 * Picks the next token from one row of logits: greedy, or temperature + top-k + top-p sampling with the row's
 * own random stream.
 */
final class Sampler {
    private final GenerationOptions options;
    private final Random random;

    Sampler(GenerationOptions options) {
        this.options = options;
        this.random = new Random(options.seed());
    }

    int next(float[] logits) {
        if (options.temperature() == 0 || options.topK() == 1) {
            return Kernels.argmax(logits);
        }
        int vocab = logits.length;
        // Candidates in descending logit order: packed (sortable logit bits, index) longs sort without boxing.
        long[] packed = new long[vocab];
        for (int i = 0; i < vocab; i++) {
            packed[i] = ((long) descendingKey(logits[i]) << 32) | i;
        }
        Arrays.sort(packed);
        int candidates = options.topK() > 0 ? Math.min(options.topK(), vocab) : vocab;
        double max = logits[(int) packed[0]];
        double[] probs = new double[candidates];
        double total = 0;
        for (int r = 0; r < candidates; r++) {
            probs[r] = Math.exp((logits[(int) packed[r]] - max) / options.temperature());
            total += probs[r];
        }
        int kept = candidates;
        if (options.topP() < 1) {
            double cumulative = 0;
            for (int r = 0; r < candidates; r++) {
                cumulative += probs[r] / total;
                if (cumulative >= options.topP()) {
                    kept = r + 1;
                    break;
                }
            }
        }
        double keptTotal = 0;
        for (int r = 0; r < kept; r++) {
            keptTotal += probs[r];
        }
        double u = random.nextDouble() * keptTotal;
        for (int r = 0; r < kept; r++) {
            u -= probs[r];
            if (u <= 0) {
                return (int) packed[r];
            }
        }
        return (int) packed[kept - 1];
    }

    /** An unsigned-order-preserving key that sorts larger floats first when compared as signed ints. */
    private static int descendingKey(float value) {
        int bits = Float.floatToIntBits(value);
        int ascending = bits >= 0 ? bits : bits ^ 0x7fffffff;
        return ~ascending;
    }
}
