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
     * Attention of the {@code heads} query heads that share one key/value head (a group under MQA and GQA) over its
     * first {@code length} positions: {@code sums[h*hd ..]} gets {@code sum_j softmax_j(q_h . k_j) v_j}. Keys are
     * stored dimension by dimension ({@code keys[keyBase + i*keyStride + j]}, position {@code j}), values position by
     * position ({@code values[valueBase + j*hd + i]}).
     *
     * <p>The heads go four at a time: a key or value vector, once loaded, serves four heads, and four to eight
     * independent chains of fused multiply-adds keep both FMA units busy (one head's single chain waited on its own
     * latency). Every score is still one chain over {@code i} in order and every sum one chain over {@code j} in
     * order, so a head's bits do not depend on how many heads share the pass.
     *
     * @param queries the heads' queries, {@code [heads, hd]}
     * @param scores  room for {@code heads} rows of {@code length} rounded up to a vector
     * @param sums    {@code [heads, hd]}, receiving the outputs
     */
    static void attendGroup(float[] queries, int heads, int hd, float[] keys, int keyBase, int keyStride,
            float[] values, int valueBase, int length, float[] scores, float[] sums) {
        int padded = (length + LANES.length() - 1) / LANES.length() * LANES.length();
        groupScores(queries, heads, hd, keys, keyBase, keyStride, length, scores, padded);
        float[] norms = new float[heads];
        for (int h = 0; h < heads; h++) {
            int row = h * padded;
            Arrays.fill(scores, row + length, row + padded, Float.NEGATIVE_INFINITY);   // weigh nothing
            norms[h] = 1f / expShifted(scores, row, padded, max(scores, row, padded));
        }
        groupWeightedSum(scores, padded, heads, norms, values, valueBase, length, hd, sums);
    }

    /**
     * {@code scores[h*padded + j] = q_h . k_j} for positions {@code j < length}. A vector holds one dimension of
     * consecutive positions, so each score is a lane's chain over {@code i}, with no sum across lanes. The last
     * positions (fewer than a vector) go as one vector where the key rows have room past them; the scores past
     * {@code length} are the caller's to overwrite.
     */
    private static void groupScores(float[] queries, int heads, int hd, float[] keys, int keyBase, int keyStride,
            int length, float[] scores, int padded) {
        int n = LANES.length();
        int h = 0;
        for (; h + 4 <= heads; h += 4) {
            int q = h * hd;
            int j = 0;
            for (; j + 2 * n <= length; j += 2 * n) {
                fourHeadsTwoVectors(queries, q, hd, hd, keys, keyBase + j, keyStride, ONES, 0, scores, h * padded + j,
                        padded);
            }
            for (; j < length && j + n <= keyStride; j += n) {
                FloatVector a0 = FloatVector.zero(LANES), a1 = a0, a2 = a0, a3 = a0;
                for (int i = 0, at = keyBase + j; i < hd; i++, at += keyStride) {
                    FloatVector k = FloatVector.fromArray(LANES, keys, at);
                    a0 = k.fma(FloatVector.broadcast(LANES, queries[q + i]), a0);
                    a1 = k.fma(FloatVector.broadcast(LANES, queries[q + hd + i]), a1);
                    a2 = k.fma(FloatVector.broadcast(LANES, queries[q + 2 * hd + i]), a2);
                    a3 = k.fma(FloatVector.broadcast(LANES, queries[q + 3 * hd + i]), a3);
                }
                a0.intoArray(scores, h * padded + j);
                a1.intoArray(scores, (h + 1) * padded + j);
                a2.intoArray(scores, (h + 2) * padded + j);
                a3.intoArray(scores, (h + 3) * padded + j);
            }
            for (int head = h; head < h + 4; head++) {
                scalarScores(queries, head * hd, hd, keys, keyBase, keyStride, j, length, scores, head * padded);
            }
        }
        for (; h < heads; h++) {
            int j = 0;
            for (; j < length && j + n <= keyStride; j += n) {
                FloatVector a = FloatVector.zero(LANES);
                for (int i = 0, at = keyBase + j; i < hd; i++, at += keyStride) {
                    a = FloatVector.fromArray(LANES, keys, at).fma(FloatVector.broadcast(LANES, queries[h * hd + i]), a);
                }
                a.intoArray(scores, h * padded + j);
            }
            scalarScores(queries, h * hd, hd, keys, keyBase, keyStride, j, length, scores, h * padded);
        }
    }

    /** Scores of positions {@code from..length} one at a time: the last positions where no vector fits. */
    private static void scalarScores(float[] queries, int q, int hd, float[] keys, int keyBase, int keyStride,
            int from, int length, float[] scores, int row) {
        for (int j = from; j < length; j++) {
            float s = 0;
            for (int i = 0, at = keyBase + j; i < hd; i++, at += keyStride) {
                s = Math.fma(keys[at], queries[q + i], s);
            }
            scores[row + j] = s;
        }
    }

    /** The largest of {@code x[from .. from+count]}, {@code count} a whole number of vectors. */
    private static float max(float[] x, int from, int count) {
        FloatVector best = FloatVector.broadcast(LANES, Float.NEGATIVE_INFINITY);
        for (int i = from; i < from + count; i += LANES.length()) {
            best = best.lanewise(MAX, FloatVector.fromArray(LANES, x, i));
        }
        return best.reduceLanes(MAX);
    }

    /**
     * {@code x[j] := exp(x[j] - max)} over {@code x[from .. from+count]}, {@code count} a whole number of vectors
     * (padding holds -Infinity, so its weights are 0); returns their sum.
     */
    private static float expShifted(float[] x, int from, int count, float max) {
        FloatVector sum = FloatVector.zero(LANES);
        for (int j = from; j < from + count; j += LANES.length()) {
            FloatVector e = FloatVector.fromArray(LANES, x, j).sub(max).lanewise(EXP);
            e.intoArray(x, j);
            sum = sum.add(e);
        }
        return sum.reduceLanes(ADD);
    }

    /**
     * {@code sums[h*hd + c] = norms[h] * sum_j weights[h*padded + j] * values[base + j*hd + c]} over the first
     * {@code length} value rows: four heads by two vectors of columns stay in registers while the rows stream past.
     */
    private static void groupWeightedSum(float[] weights, int padded, int heads, float[] norms, float[] values,
            int base, int length, int hd, float[] sums) {
        int n = LANES.length();
        int h = 0;
        for (; h + 4 <= heads; h += 4) {
            int w = h * padded;
            int c = 0;
            for (; c + 2 * n <= hd; c += 2 * n) {
                fourHeadsTwoVectors(weights, w, padded, length, values, base + c, hd, norms, h, sums, h * hd + c, hd);
            }
            for (int head = h; head < h + 4; head++) {
                weightedSum(weights, head * padded, norms[head], values, base, length, hd, c, sums, head * hd);
            }
        }
        for (; h < heads; h++) {
            weightedSum(weights, h * padded, norms[h], values, base, length, hd, 0, sums, h * hd);
        }
    }

    private static final float[] ONES = {1f, 1f, 1f, 1f};

    /**
     * The loop attention's scores and its weighted sums share, for four heads {@code h} at once:
     * <pre>
     *   out[outAt + h*outStride + (two vectors)] =
     *       factors[factorAt + h] * sum_i scale[scaleAt + h*scaleStride + i] * rows[first + i*rowStride + (two vectors)]
     * </pre>
     * over {@code i < count} in order, each output lane one chain of fused multiply-adds from zero (a factor of 1 leaves
     * its bits alone). Eight vectors of sums stay in registers while the rows stream past, each row loaded once for the
     * four heads.
     */
    private static void fourHeadsTwoVectors(float[] scale, int scaleAt, int scaleStride, int count, float[] rows,
            int first, int rowStride, float[] factors, int factorAt, float[] out, int outAt, int outStride) {
        int n = LANES.length();
        FloatVector a0 = FloatVector.zero(LANES), a1 = a0, a2 = a0, a3 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        for (int i = 0, row = first; i < count; i++, row += rowStride) {
            FloatVector r = FloatVector.fromArray(LANES, rows, row);
            FloatVector rNext = FloatVector.fromArray(LANES, rows, row + n);
            FloatVector s0 = FloatVector.broadcast(LANES, scale[scaleAt + i]);
            FloatVector s1 = FloatVector.broadcast(LANES, scale[scaleAt + scaleStride + i]);
            FloatVector s2 = FloatVector.broadcast(LANES, scale[scaleAt + 2 * scaleStride + i]);
            FloatVector s3 = FloatVector.broadcast(LANES, scale[scaleAt + 3 * scaleStride + i]);
            a0 = r.fma(s0, a0);
            a1 = r.fma(s1, a1);
            a2 = r.fma(s2, a2);
            a3 = r.fma(s3, a3);
            b0 = rNext.fma(s0, b0);
            b1 = rNext.fma(s1, b1);
            b2 = rNext.fma(s2, b2);
            b3 = rNext.fma(s3, b3);
        }
        a0.mul(factors[factorAt]).intoArray(out, outAt);
        a1.mul(factors[factorAt + 1]).intoArray(out, outAt + outStride);
        a2.mul(factors[factorAt + 2]).intoArray(out, outAt + 2 * outStride);
        a3.mul(factors[factorAt + 3]).intoArray(out, outAt + 3 * outStride);
        b0.mul(factors[factorAt]).intoArray(out, outAt + n);
        b1.mul(factors[factorAt + 1]).intoArray(out, outAt + outStride + n);
        b2.mul(factors[factorAt + 2]).intoArray(out, outAt + 2 * outStride + n);
        b3.mul(factors[factorAt + 3]).intoArray(out, outAt + 3 * outStride + n);
    }

    /** One head's sums over columns {@code from..hd}: a vector at a time, then one column at a time. */
    private static void weightedSum(float[] weights, int w, float norm, float[] values, int base, int length, int hd,
            int from, float[] sums, int out) {
        int n = LANES.length();
        int c = from;
        for (; c + n <= hd; c += n) {
            FloatVector a = FloatVector.zero(LANES);
            for (int j = 0, row = base + c; j < length; j++, row += hd) {
                a = FloatVector.fromArray(LANES, values, row).fma(FloatVector.broadcast(LANES, weights[w + j]), a);
            }
            a.mul(norm).intoArray(sums, out + c);
        }
        for (; c < hd; c++) {
            float s = 0;
            for (int j = 0; j < length; j++) {
                s = Math.fma(values[base + j * hd + c], weights[w + j], s);
            }
            sums[out + c] = s * norm;
        }
    }

    /**
     * {@code sum x[i]^2} over {@code x[0..n]}: two vectors of partial sums, each lane a chain of fused multiply-adds
     * in float, then added across lanes (float32 accumulation, as PyTorch's float32 RMSNorm does).
     */
    static double sumOfSquares(float[] x, int n) {
        int step = LANES.length();
        FloatVector s0 = FloatVector.zero(LANES);
        FloatVector s1 = s0;
        int i = 0;
        for (; i + 2 * step <= n; i += 2 * step) {
            FloatVector a = FloatVector.fromArray(LANES, x, i);
            FloatVector b = FloatVector.fromArray(LANES, x, i + step);
            s0 = a.fma(a, s0);
            s1 = b.fma(b, s1);
        }
        double sum = s0.add(s1).reduceLanes(ADD);
        for (; i < n; i++) {
            sum += (double) x[i] * x[i];
        }
        return sum;
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
