package io.gemmaspark.model.decoder;

import static jdk.incubator.vector.VectorOperators.ADD;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code y = x W^T} for a few rows of {@code x} (2 to {@link #MAX_ROWS}): the products of a batched decode step,
 * one row per running sequence, against weights far larger than the rows.
 *
 * <p>OpenBLAS's sgemm packs the whole weight matrix into its own layout on every call, which square products
 * amortise and sixteen rows do not: it ran 16-row products at 55-67 GFLOP/s on the development machine, a third of
 * its square-product rate. This kernel reads each weight row from memory once per call instead. It copies a block
 * of weight rows to the heap (a sequential read the hardware prefetches well, and loops over heap arrays compile to
 * the widest vector code), then multiplies the block with every input row, four weight rows by four input rows at a
 * time, so that sixteen vector accumulators stay in registers and each vector load feeds four fused multiply-adds.
 * On the development machine (AVX-512, JDK 17) it ran the same products at about twice OpenBLAS's rate
 * ({@code docs/serving.md}).
 *
 * <p>It needs the JDK's incubating vector module ({@code --add-modules jdk.incubator.vector}, which
 * {@code bin/gemma} and the tests pass); {@link HostKernels} falls back to OpenBLAS without it. Sums run along the
 * vector lanes in float, then across them, so results differ from OpenBLAS's in the last bits, as two BLAS
 * libraries differ from each other.
 */
final class FewRowProduct {
    /** More rows than this (prefill chunks, training) amortise OpenBLAS's packing, and its kernel is faster there. */
    static final int MAX_ROWS = 32;
    private static final VectorSpecies<Float> LANES = FloatVector.SPECIES_PREFERRED;
    /** Weight rows copied to the heap at a time: a block of about 16 KB stays in the L1 cache while in use. */
    private static final int BLOCK_BYTES = 16 * 1024;
    /** Below this many multiply-adds one thread finishes before a second would have started. */
    private static final long PARALLEL_WORK = 1L << 21;

    private FewRowProduct() {}

    /** Whether the kernel takes a product of {@code rows} rows of length {@code in}. */
    static boolean fits(int rows, int in) {
        return rows >= 2 && rows <= MAX_ROWS && in % LANES.length() == 0;
    }

    /**
     * {@code y = x W^T}, or {@code y += x W^T}, for {@code x [rows, in]}, {@code w [out, in]},
     * {@code y [rows, out]}.
     */
    static void multiply(INDArray x, INDArray w, INDArray y, boolean accumulate) {
        int rows = (int) x.rows();
        int in = (int) x.columns();
        int out = (int) w.rows();
        // Zero input rows and weight rows up to multiples of four, so every tile is whole; their outputs are dropped.
        int paddedRows = roundUpToFour(rows);
        int paddedOut = roundUpToFour(out);
        float[] inputs = new float[paddedRows * in];
        new HostKernels.Rows(x).readRows(0, rows, in, inputs);
        float[] products = new float[paddedRows * paddedOut];
        HostKernels.Rows weights = new HostKernels.Rows(w);
        boolean parallel = (long) rows * in * out >= PARALLEL_WORK && out >= 8;
        HostKernels.Rows yRows = new HostKernels.Rows(y);
        HostKernels.inChunks(out, 4, parallel, (from, to) -> {
            multiplyRange(inputs, paddedRows, in, weights, from, to, products, paddedOut);
            HostKernels.storeColumns(products, paddedOut, yRows, rows, from, to, accumulate);
        });
    }

    private static int roundUpToFour(int n) {
        return (n + 3) / 4 * 4;
    }

    /** Output columns {@code from..to} (weight rows; {@code from} a multiple of four), block by block. */
    private static void multiplyRange(float[] inputs, int rows, int in, HostKernels.Rows weights, int from, int to,
                                      float[] products, int productStride) {
        int blockRows = Math.max(4, BLOCK_BYTES / (4 * in) / 4 * 4);
        float[] block = new float[blockRows * in];
        for (int first = from; first < to; first += blockRows) {
            int n = Math.min(blockRows, to - first);
            weights.readRows(first, n, in, block);
            java.util.Arrays.fill(block, n * in, roundUpToFour(n) * in, 0f);
            for (int j = 0; j < n; j += 4) {
                for (int b = 0; b < rows; b += 4) {
                    fourByFour(inputs, b, block, j, in, products, productStride, first + j);
                }
            }
        }
    }

    /**
     * Products of input rows {@code b..b+4} with block rows {@code j..j+4}, into columns {@code column..column+4}.
     * One method on purpose: vectors that cross into a method the JIT does not inline are boxed, and then the
     * kernel runs at a tenth of its speed.
     */
    private static void fourByFour(float[] x, int b, float[] w, int j, int in, float[] y, int stride, int column) {
        int x0 = b * in, x1 = x0 + in, x2 = x1 + in, x3 = x2 + in;
        int w0 = j * in, w1 = w0 + in, w2 = w1 + in, w3 = w2 + in;
        FloatVector s00 = FloatVector.zero(LANES), s01 = s00, s02 = s00, s03 = s00;
        FloatVector s10 = s00, s11 = s00, s12 = s00, s13 = s00;
        FloatVector s20 = s00, s21 = s00, s22 = s00, s23 = s00;
        FloatVector s30 = s00, s31 = s00, s32 = s00, s33 = s00;
        for (int k = 0; k < in; k += LANES.length()) {
            FloatVector wa = FloatVector.fromArray(LANES, w, w0 + k);
            FloatVector wb = FloatVector.fromArray(LANES, w, w1 + k);
            FloatVector wc = FloatVector.fromArray(LANES, w, w2 + k);
            FloatVector wd = FloatVector.fromArray(LANES, w, w3 + k);
            FloatVector v = FloatVector.fromArray(LANES, x, x0 + k);
            s00 = wa.fma(v, s00); s01 = wb.fma(v, s01); s02 = wc.fma(v, s02); s03 = wd.fma(v, s03);
            v = FloatVector.fromArray(LANES, x, x1 + k);
            s10 = wa.fma(v, s10); s11 = wb.fma(v, s11); s12 = wc.fma(v, s12); s13 = wd.fma(v, s13);
            v = FloatVector.fromArray(LANES, x, x2 + k);
            s20 = wa.fma(v, s20); s21 = wb.fma(v, s21); s22 = wc.fma(v, s22); s23 = wd.fma(v, s23);
            v = FloatVector.fromArray(LANES, x, x3 + k);
            s30 = wa.fma(v, s30); s31 = wb.fma(v, s31); s32 = wc.fma(v, s32); s33 = wd.fma(v, s33);
        }
        int at = b * stride + column;
        y[at] = s00.reduceLanes(ADD); y[at + 1] = s01.reduceLanes(ADD);
        y[at + 2] = s02.reduceLanes(ADD); y[at + 3] = s03.reduceLanes(ADD);
        at += stride;
        y[at] = s10.reduceLanes(ADD); y[at + 1] = s11.reduceLanes(ADD);
        y[at + 2] = s12.reduceLanes(ADD); y[at + 3] = s13.reduceLanes(ADD);
        at += stride;
        y[at] = s20.reduceLanes(ADD); y[at + 1] = s21.reduceLanes(ADD);
        y[at + 2] = s22.reduceLanes(ADD); y[at + 3] = s23.reduceLanes(ADD);
        at += stride;
        y[at] = s30.reduceLanes(ADD); y[at + 1] = s31.reduceLanes(ADD);
        y[at + 2] = s32.reduceLanes(ADD); y[at + 3] = s33.reduceLanes(ADD);
    }
}
