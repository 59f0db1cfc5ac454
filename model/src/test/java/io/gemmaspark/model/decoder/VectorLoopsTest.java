package io.gemmaspark.model.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The vector loops against the same formulas in double. */
class VectorLoopsTest {

    @Test
    void argmaxIsTheFirstLargestAsAPlainLoopFindsIt() {
        Random random = new Random(11);
        for (int trial = 0; trial < 400; trial++) {
            int n = 1 + random.nextInt(trial < 200 ? 70 : 33_000);
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = (float) random.nextGaussian();
            }
            switch (trial % 5) {
                case 1 -> x[random.nextInt(n)] = x[random.nextInt(n)] = 9f;                 // a tie for the largest
                case 2 -> Arrays.fill(x, Float.NEGATIVE_INFINITY);                // nothing but -Infinity
                case 3 -> x[random.nextInt(n)] = Float.NaN;                                 // a NaN among numbers
                case 4 -> {
                    Arrays.fill(x, 0f);                                           // zeros of both signs
                    x[random.nextInt(n)] = -0f;
                }
                default -> { }
            }
            assertEquals(plainArgmax(x), Kernels.argmax(x), "trial " + trial + ", n " + n);
        }
        assertEquals(0, Kernels.argmax(new float[] {Float.NaN, 1f, 2f}));   // the plain loop never leaves a NaN first
    }

    private static int plainArgmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        return best;
    }

    @Test
    void attentionOfOneHeadMatchesSoftmaxWeightedValuesInDouble() {
        Random random = new Random(17);
        // Lengths past four vectors of positions, between one and four, under one; hd 24 and 256 besides 64. The
        // capacity past the filled positions is 5 (the last positions one at a time) or up to a whole vector (the
        // last positions as one vector, the padding's values random, as stale memory would be).
        for (int[] shape : new int[][] {{64, 1, 5}, {64, 7, 9}, {64, 130, 14}, {24, 13, 3}, {256, 33, 15},
            {64, 64, 5}, {64, 79, 1}, {64, 79, 5}}) {
            int hd = shape[0], length = shape[1];
            float[] query = uniform(random, hd);
            // One head of a cache with two heads and spare capacity: keys [2, hd, capacity], values [2, capacity, hd].
            int capacity = length + shape[2];
            int base = capacity * hd;
            float[] keys = uniform(random, 2 * capacity * hd);
            float[] values = uniform(random, 2 * capacity * hd);
            float[] scores = new float[length + 16];   // room for the last vector
            float[] sum = new float[hd];
            float total = VectorLoops.softmaxWeightedSum(query, keys, values, base, capacity, length, hd, scores,
                    sum);

            double[] logits = new double[length];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < length; j++) {
                for (int i = 0; i < hd; i++) {
                    logits[j] += (double) query[i] * keys[base + i * capacity + j];
                }
                max = Math.max(max, logits[j]);
            }
            double expected = 0;
            for (int j = 0; j < length; j++) {
                expected += Math.exp(logits[j] - max);
            }
            assertEquals(expected, total, 1e-5 * expected, "softmax denominator, shape " + hd + "x" + length);
            for (int i = 0; i < hd; i++) {
                double weighted = 0;
                for (int j = 0; j < length; j++) {
                    weighted += Math.exp(logits[j] - max) / expected * values[base + j * hd + i];
                }
                assertEquals(weighted, sum[i] / total, 1e-5, "output " + i + ", shape " + hd + "x" + length);
            }
        }
    }

    @Test
    void geluTanhMatchesTheFormulaInDoubleAndKeepsItsTanh() {
        Random random = new Random(19);
        int n = 100;   // six vectors and a tail of four
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (6 * random.nextGaussian());
        }
        float[] gelu = x.clone();
        float[] tanh = new float[n];
        VectorLoops.geluTanh(gelu, tanh, n);
        for (int i = 0; i < n; i++) {
            double v = x[i];
            double t = Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v));
            assertEquals(t, tanh[i], 1e-6, "tanh at " + v);
            assertEquals(0.5 * v * (1 + t), gelu[i], 1e-6 * Math.max(1, Math.abs(v)), "gelu at " + v);
        }
    }

    private static float[] uniform(Random random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = 2 * random.nextFloat() - 1;
        }
        return a;
    }
}
