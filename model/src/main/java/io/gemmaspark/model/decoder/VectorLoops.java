package io.gemmaspark.model.decoder;

import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.EQ;
import static jdk.incubator.vector.VectorOperators.EXP;
import static jdk.incubator.vector.VectorOperators.MAX;
import static jdk.incubator.vector.VectorOperators.TANH;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Inner loops of {@link HostKernels} over heap arrays, in the JDK's vector module: attention's scores and weighted
 * sums, decoding's tanh-GELU and greedy argmax. Only floats and arrays cross these methods, so no vector is ever
 * boxed.
 */
final class VectorLoops {
    private static final VectorSpecies<Float> LANES = FloatVector.SPECIES_PREFERRED;
    private static final float SQRT_2_OVER_PI = (float) Kernels.SQRT_2_OVER_PI;
    private static final float CUBIC = (float) Kernels.GELU_CUBIC;

    private VectorLoops() {}

    /**
     * {@code HostKernels.softmaxWeightedSum} in vectors: scores, their exponentials, the weighted sum of values. The
     * cache's keys are stored dimension by dimension ({@code keys[base + i*capacity + j]}, position {@code j}), its
     * values position by position ({@code values[base + j*hd + i]}).
     */
    static float softmaxWeightedSum(float[] query, float[] keys, float[] values, int base, int capacity, int length,
            int hd, float[] scores, float[] sum) {
        float total = expShifted(scores, length, scores(query, keys, base, capacity, length, hd, scores));
        weightedSum(scores, values, base, length, hd, sum);
        return total;
    }

    /**
     * {@code scores[j] = query . k_j} for positions {@code 0..length}, keys stored dimension by dimension: a vector
     * holds one dimension of consecutive positions, so each score is a lane's chain of fused multiply-adds over
     * {@code i} in order, with no sum across lanes (four of those per four keys had been a third of attention's
     * time). {@code scores} must have room for {@code length} rounded up to a vector; the padding gets -Infinity.
     * Returns the largest score.
     */
    static float scores(float[] query, float[] keys, int base, int capacity, int length, int hd, float[] scores) {
        int n = LANES.length();
        int j = 0;
        for (; j + 4 * n <= length; j += 4 * n) {
            scaledRowSum(query, hd, keys, base + j, capacity, scores, j);
        }
        // A vector at a time, the last positions (fewer than a vector) too when the cache has room past them: their
        // scores beyond the filled positions are overwritten below. A scalar chain per position (and a scalar exp)
        // had cost more than all the vector work at a typical length.
        for (; j < length && j + n <= capacity; j += n) {
            FloatVector s0 = FloatVector.zero(LANES);
            for (int i = 0, at = base + j; i < hd; i++, at += capacity) {
                s0 = FloatVector.fromArray(LANES, keys, at).fma(FloatVector.broadcast(LANES, query[i]), s0);
            }
            s0.intoArray(scores, j);
        }
        for (; j < length; j++) {
            float s = 0;
            for (int i = 0, at = base + j; i < hd; i++, at += capacity) {
                s = Math.fma(keys[at], query[i], s);
            }
            scores[j] = s;
        }
        int padded = (length + n - 1) / n * n;
        Arrays.fill(scores, length, padded, Float.NEGATIVE_INFINITY);   // weigh nothing in the softmax
        FloatVector best = FloatVector.broadcast(LANES, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < padded; i += n) {
            best = best.lanewise(MAX, FloatVector.fromArray(LANES, scores, i));
        }
        return best.reduceLanes(MAX);
    }

    /**
     * {@code scores[j] := exp(scores[j] - max)} over the first {@code length} rounded up to a vector (the padding holds
     * -Infinity, so its weights are 0); returns their sum.
     */
    static float expShifted(float[] scores, int length, float max) {
        FloatVector sum = FloatVector.zero(LANES);
        for (int j = 0; j < length; j += LANES.length()) {
            FloatVector e = FloatVector.fromArray(LANES, scores, j).sub(max).lanewise(EXP);
            e.intoArray(scores, j);
            sum = sum.add(e);
        }
        return sum.reduceLanes(ADD);
    }

    /**
     * {@code sum = sum_j weights[j] * values[j]} over the first {@code length} rows of {@code values [length, hd]}
     * (from {@code base}): four vectors of the head at a time stay in registers while the rows stream past.
     */
    static void weightedSum(float[] weights, float[] values, int base, int length, int hd, float[] sum) {
        int n = LANES.length();
        int c = 0;
        for (; c + 4 * n <= hd; c += 4 * n) {
            scaledRowSum(weights, length, values, base + c, hd, sum, c);
        }
        for (; c < hd; c++) {
            float s = 0;
            for (int j = 0; j < length; j++) {
                s += weights[j] * values[base + j * hd + c];
            }
            sum[c] = s;
        }
    }

    /**
     * {@code out[at .. at + 4 vectors] = sum_i scale[i] * rows[first + i*stride ..]} over {@code i < count}: four
     * vectors of sums held in registers while the rows stream past, each a chain of fused multiply-adds over
     * {@code i} in order. Attention's scores (keys stored dimension by dimension) and its weighted sum of values
     * are both this.
     */
    private static void scaledRowSum(float[] scale, int count, float[] rows, int first, int stride, float[] out,
            int at) {
        int n = LANES.length();
        FloatVector a0 = FloatVector.zero(LANES), a1 = a0, a2 = a0, a3 = a0;
        for (int i = 0, row = first; i < count; i++, row += stride) {
            FloatVector s = FloatVector.broadcast(LANES, scale[i]);
            a0 = FloatVector.fromArray(LANES, rows, row).fma(s, a0);
            a1 = FloatVector.fromArray(LANES, rows, row + n).fma(s, a1);
            a2 = FloatVector.fromArray(LANES, rows, row + 2 * n).fma(s, a2);
            a3 = FloatVector.fromArray(LANES, rows, row + 3 * n).fma(s, a3);
        }
        a0.intoArray(out, at);
        a1.intoArray(out, at + n);
        a2.intoArray(out, at + 2 * n);
        a3.intoArray(out, at + 3 * n);
    }

    /**
     * tanh-GELU in place over {@code x[0..n]}, keeping the inner tanh: {@code tanh[i] = tanh(sqrt(2/pi)
     * (x + 0.044715 x^3))}, {@code x[i] := 0.5 x (1 + tanh[i])}. The module's tanh takes under 1 ns an element on the
     * development machine, within 1e-7 of the double result; {@code Math.exp}'s form takes 7.
     */
    static void geluTanh(float[] x, float[] tanh, int n) {
        int i = 0;
        for (int bound = LANES.loopBound(n); i < bound; i += LANES.length()) {
            FloatVector v = FloatVector.fromArray(LANES, x, i);
            FloatVector t = v.mul(v).mul(v).mul(CUBIC).add(v).mul(SQRT_2_OVER_PI).lanewise(TANH);
            t.intoArray(tanh, i);
            t.add(1f).mul(v).mul(0.5f).intoArray(x, i);
        }
        for (; i < n; i++) {
            double v = x[i];
            tanh[i] = (float) Math.tanh(Kernels.SQRT_2_OVER_PI * (v + Kernels.GELU_CUBIC * v * v * v));
            x[i] = 0.5f * x[i] * (1f + tanh[i]);
        }
    }

    /**
     * The index of the largest of {@code x}, the first on ties; -1 when a NaN is the largest, for the caller's scalar
     * loop to settle as it always has. Two passes, a vector max and a vector search, against one compare and branch
     * per element: greedy decoding picks from 16 rows of 32,000 logits a step.
     */
    static int argmax(float[] x) {
        int n = x.length;
        int bound = LANES.loopBound(n);
        FloatVector best = FloatVector.broadcast(LANES, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < bound; i += LANES.length()) {
            best = best.lanewise(MAX, FloatVector.fromArray(LANES, x, i));
        }
        float max = best.reduceLanes(MAX);
        for (int i = bound; i < n; i++) {
            max = Math.max(max, x[i]);
        }
        if (Float.isNaN(max)) {
            return -1;
        }
        for (int i = 0; i < bound; i += LANES.length()) {
            int lane = FloatVector.fromArray(LANES, x, i).compare(EQ, max).firstTrue();
            if (lane < LANES.length()) {
                return i + lane;
            }
        }
        for (int i = bound; i < n; i++) {
            if (x[i] == max) {
                return i;
            }
        }
        return 0;   // only an empty x gets here, where the scalar loop answers 0 too
    }
}
