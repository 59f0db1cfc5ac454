package io.gemmaspark.model.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
    void attentionOfAGroupOfHeadsMatchesSoftmaxWeightedValuesInDouble() {
        Random random = new Random(17);
        // Lengths past two vectors of positions, between one and two, under one; hd 24 and 256 besides 64; groups
        // of 1 (MHA), 3, 4, 8 (the presets' MQA) and 9 heads, so that the four-head loops meet every tail. The
        // stride past the filled positions is 5 (the last positions one at a time) or up to a whole vector (the last
        // positions as one vector, the padding's values random, as stale memory would be).
        for (int[] shape : new int[][] {{64, 1, 5, 8}, {64, 7, 9, 4}, {64, 130, 14, 8}, {24, 13, 3, 3},
            {256, 33, 15, 1}, {64, 64, 5, 9}, {64, 79, 1, 8}, {64, 79, 5, 1}, {64, 40, 16, 4}}) {
            int hd = shape[0], length = shape[1], heads = shape[3];
            float[] queries = uniform(random, heads * hd);
            // The second head of a cache with two: keys [2, hd, stride], values [2, capacity, hd].
            int keyStride = length + shape[2];
            int capacity = length + 3;
            int keyBase = keyStride * hd;
            int valueBase = capacity * hd;
            float[] keys = uniform(random, 2 * keyStride * hd);
            float[] values = uniform(random, 2 * capacity * hd);
            float[] scores = new float[heads * (length + 16)];   // room for the last vector of each head
            float[] sums = new float[heads * hd];
            VectorLoops.attendGroup(queries, heads, hd, keys, keyBase, keyStride, values, valueBase, length, scores,
                    sums);
            String at = "shape hd " + hd + ", length " + length + ", heads " + heads;
            for (int h = 0; h < heads; h++) {
                double[] weights = softmaxInDouble(queries, h * hd, hd, keys, keyBase, keyStride, length);
                for (int i = 0; i < hd; i++) {
                    double weighted = 0;
                    for (int j = 0; j < length; j++) {
                        weighted += weights[j] * values[valueBase + j * hd + i];
                    }
                    assertEquals(weighted, sums[h * hd + i], 1e-5, "head " + h + ", output " + i + ", " + at);
                }
                // A head's bits do not depend on the heads that share its pass.
                float[] alone = new float[hd];
                VectorLoops.attendGroup(Arrays.copyOfRange(queries, h * hd, (h + 1) * hd), 1, hd, keys, keyBase,
                        keyStride, values, valueBase, length, new float[length + 16], alone);
                assertArrayEquals(alone, Arrays.copyOfRange(sums, h * hd, (h + 1) * hd), "head " + h + " alone, " + at);
            }
        }
    }

    private static double[] softmaxInDouble(float[] queries, int q, int hd, float[] keys, int keyBase, int keyStride,
            int length) {
        double[] logits = new double[length];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < length; j++) {
            for (int i = 0; i < hd; i++) {
                logits[j] += (double) queries[q + i] * keys[keyBase + i * keyStride + j];
            }
            max = Math.max(max, logits[j]);
        }
        double total = 0;
        for (int j = 0; j < length; j++) {
            logits[j] = Math.exp(logits[j] - max);
            total += logits[j];
        }
        for (int j = 0; j < length; j++) {
            logits[j] /= total;
        }
        return logits;
    }

    @Test
    void sumOfSquaresMatchesTheSumInDouble() {
        Random random = new Random(23);
        for (int n : new int[] {0, 1, 31, 32, 512, 519, 2048}) {   // under, at and past two vectors, with tails
            float[] x = new float[n];
            double expected = 0;
            for (int i = 0; i < n; i++) {
                x[i] = (float) (3 * random.nextGaussian());
                expected += (double) x[i] * x[i];
            }
            assertEquals(expected, VectorLoops.sumOfSquares(x, n), 1e-6 * Math.max(1, expected), "n " + n);
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
