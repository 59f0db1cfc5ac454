package io.gemmaspark.model.decoder;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemv;

import java.lang.ref.Reference;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Forward kernels as plain loops over float32 host memory. In a decode step the tensors hold one to a few rows,
 * and each ND4J call costs tens of microseconds of set-up (shape descriptors, op dispatch, an output array), more
 * than its arithmetic: RMSNorm alone is seven calls, RoPE five. Each kernel here is one pass and at most one
 * allocation per output, so a layer of a decode step is a few BLAS products plus these loops.
 *
 * <p>{@link Kernels} takes this path when every array is float32 in host memory (the CPU backend) with unit
 * stride along its rows, and its ND4J path otherwise (the CUDA backend, float64 gradient checks), so both
 * backends compute the same math. Sums are accumulated in double.
 */
public final class HostKernels {
    private static final boolean HOST_MEMORY = Nd4j.getEnvironment().isCPU();
    /**
     * Kernels over this many rows or more split them over two threads (16 decode rows of GeGLU: 32k tanh), and so
     * does attention over this many rows.
     */
    private static final int PARALLEL_ROWS = 4;
    /**
     * Whether this JVM has the JDK's incubating vector module ({@code --add-modules jdk.incubator.vector}, which
     * {@code bin/gemma} and the tests pass). {@link FewRowProduct}, {@link PackedWeights} and {@link VectorLoops} are
     * written in it; without it the scalar loops and OpenBLAS serve.
     */
    static final boolean VECTOR_MODULE = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    private HostKernels() {}

    /**
     * Whether every non-null array is float32 in host memory with each row contiguous (unit stride along the last
     * axis) and, for a matrix, rows at least a row apart. ND4J's order flag is not consulted: it marks some
     * one-row views 'f' although their elements lie row by row.
     */
    static boolean applies(INDArray... arrays) {
        if (!HOST_MEMORY) {
            return false;
        }
        for (INDArray a : arrays) {
            if (a == null) {
                continue;
            }
            boolean rowsContiguous = a.size(-1) == 1 || a.stride(-1) == 1;
            boolean rowMajor = a.rank() != 2 || a.size(0) == 1 || a.stride(0) >= a.size(1);
            if (!hostFloat(a.dataType()) || !rowsContiguous || !rowMajor) {
                return false;
            }
        }
        return true;
    }

    /** Whether arrays of {@code dtype} are float32 in host memory (the CPU backend). */
    static boolean hostFloat(DataType dtype) {
        return HOST_MEMORY && dtype == DataType.FLOAT;
    }

    /** Whether {@code a} is absent or float32 host memory laid out densely in row-major order (offset allowed). */
    static boolean dense(INDArray a) {
        if (a == null) {
            return true;
        }
        if (!applies(a)) {
            return false;
        }
        long expected = 1;
        for (int i = a.rank() - 1; i >= 0; i--) {
            if (a.size(i) != 1 && a.stride(i) != expected) {   // ND4J may give length-1 axes any stride
                return false;
            }
            expected *= a.size(i);
        }
        return true;
    }

    /**
     * The memory of {@code a} as a buffer whose element 0 is the array's first element and which spans every
     * element it reaches through its strides. Cut from the array's own address: the buffer of a tensor inside the
     * 2B model's parameter vector would pass the 2^31-byte limit of one NIO buffer.
     */
    private static FloatBuffer floats(INDArray a) {
        long extent = 1;
        for (int i = 0; i < a.rank(); i++) {
            extent += (a.size(i) - 1) * a.stride(i);
        }
        FloatPointer first = pointer(a);
        return first.limit(first.position() + extent).asBuffer();
    }

    /**
     * {@code y = x W^T}, or {@code y += x W^T} when {@code accumulate}, for {@code x [N, in]}, {@code w [out, in]},
     * {@code y [N, out]}, straight through OpenBLAS (gemv for one row). ND4J's own gemv call costs 150-300 us of
     * set-up, measured on this machine, more than streaming a 4 MB weight matrix takes; called directly it is 10-80 us.
     */
    static void linear(INDArray x, INDArray w, INDArray y, boolean accumulate) {
        int rows = (int) x.rows();
        int in = (int) x.columns();
        int out = (int) w.rows();
        float beta = accumulate ? 1f : 0f;
        if (VECTOR_MODULE && FewRowProduct.fits(rows, in)) {
            FewRowProduct.multiply(x, w, y, accumulate);
        } else if (rows == 1) {
            cblas_sgemv(CblasRowMajor, CblasNoTrans, out, in, 1f, pointer(w), (int) w.stride(0), pointer(x), 1, beta,
                    pointer(y), 1);
        } else {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, out, in, 1f, pointer(x), (int) x.stride(0),
                    pointer(w), (int) w.stride(0), beta, pointer(y), (int) y.stride(0));
        }
        Reference.reachabilityFence(x);   // the pointers hold addresses, not the arrays
        Reference.reachabilityFence(w);
        Reference.reachabilityFence(y);
    }

    /**
     * Columns {@code from..to} of {@code rows} rows of a heap product ({@code stride} apart) into the same columns of
     * {@code y}, added to what it holds when {@code accumulate} (the sums are made in {@code products}): the last
     * step of the few-row product kernels, run by whichever thread computed those columns.
     */
    static void storeColumns(float[] products, int stride, Rows y, int rows, int from, int to, boolean accumulate) {
        int n = to - from;
        float[] old = accumulate ? new float[n] : null;
        for (int r = 0; r < rows; r++) {
            int at = r * stride + from;
            if (accumulate) {
                y.read(r, from, old, n);
                for (int j = 0; j < n; j++) {
                    products[at + j] += old[j];
                }
            }
            y.write(r, from, products, at, n);
        }
    }

    /** The address of the array's first element. */
    private static FloatPointer pointer(INDArray a) {
        return new FloatPointer(a.data().addressPointer()).position(a.offset() - a.data().offset());
    }

    /** {@link #pointer} as a number, for native code; valid while the caller keeps {@code a} reachable. */
    static long address(INDArray a) {
        FloatPointer first = pointer(a);
        return first.address() + first.position() * Float.BYTES;
    }

    /** {@link Kernels#gatherRows} for a dense {@code a [N, width]}: a bulk copy per row. */
    static INDArray gatherRows(INDArray a, int[] rows) {
        int n = (int) a.rows();
        int width = (int) a.columns();
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, rows.length, width);
        Rows in = new Rows(a);
        Rows os = new Rows(out);
        float[] row = new float[width];
        for (int r = 0; r < rows.length; r++) {
            if (rows[r] < 0 || rows[r] >= n) {
                throw new IndexOutOfBoundsException("row " + rows[r] + " of an array of " + n + " rows");
            }
            os.write(r, 0, in.read(rows[r], 0, row, width), width);
        }
        return out;
    }

    /** {@link Kernels#rmsNorm} for {@code x [N, d]} with rows of unit stride. */
    static Kernels.Rms rmsNorm(INDArray x, INDArray w, double eps, boolean keep) {
        int rows = (int) x.rows();
        int d = (int) x.columns();
        INDArray y = Nd4j.createUninitialized(DataType.FLOAT, rows, d);
        INDArray normed = keep ? Nd4j.createUninitialized(DataType.FLOAT, rows, d) : null;
        INDArray rinv = keep ? Nd4j.createUninitialized(DataType.FLOAT, rows, 1) : null;
        Rows xs = new Rows(x);
        Rows ys = new Rows(y);
        Rows ns = keep ? new Rows(normed) : null;
        float[] scale = new Rows(w).read(0, 0, new float[d], d);
        for (int i = 0; i < d; i++) {
            scale[i] += 1f;
        }
        float[] row = new float[d];
        float[] inv = new float[rows];
        for (int r = 0; r < rows; r++) {
            xs.read(r, 0, row, d);
            inv[r] = (float) (1.0 / Math.sqrt(sumOfSquares(row, d) / d + eps));
            for (int i = 0; i < d; i++) {
                row[i] *= inv[r];
            }
            if (keep) {
                ns.write(r, 0, row, d);
            }
            for (int i = 0; i < d; i++) {
                row[i] *= scale[i];
            }
            ys.write(r, 0, row, d);
        }
        if (keep) {
            new Rows(rinv).writeAt(0, inv, rows);
        }
        return new Kernels.Rms(y, normed, rinv);
    }

    /**
     * {@code sum x[i]^2}: in vectors where the JVM has the vector module, else in double as four interleaved sums
     * (a float's square is exact in double). One chain of dependent double additions had taken half of a decode
     * step's norms.
     */
    private static double sumOfSquares(float[] x, int n) {
        if (VECTOR_MODULE) {
            return VectorLoops.sumOfSquares(x, n);
        }
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            s0 += (double) x[i] * x[i];
            s1 += (double) x[i + 1] * x[i + 1];
            s2 += (double) x[i + 2] * x[i + 2];
            s3 += (double) x[i + 3] * x[i + 3];
        }
        for (; i < n; i++) {
            s0 += (double) x[i] * x[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /**
     * Heads {@code [B, n, S, hd]} from columns {@code from .. from + n*hd} of a projection {@code [B*S, width]},
     * each head rotated by the full-width tables {@code [cos, cos]} and {@code [-sin, sin]} when given. Tables
     * hold one row per step ({@code [S, hd]}, shared by the batch) or per batch row and step ({@code [B*S, hd]}).
     */
    static INDArray heads(INDArray projected, int from, int n, int batch, int steps, int hd, INDArray cos,
            INDArray sin) {
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, batch, n, steps, hd);
        int half = hd / 2;
        Rows in = new Rows(projected);
        Rows os = new Rows(out);
        Rows cs = cos == null ? null : new Rows(cos);
        Rows ss = sin == null ? null : new Rows(sin);
        boolean tablePerBatchRow = cos != null && cos.length() == (long) batch * steps * hd && batch > 1;
        float[] row = new float[n * hd];
        float[] cosRow = new float[hd];
        float[] sinRow = new float[hd];
        float[] head = new float[hd];
        for (int b = 0; b < batch; b++) {
            for (int s = 0; s < steps; s++) {
                int r = b * steps + s;
                in.read(r, from, row, n * hd);
                if (cs != null) {
                    int table = (tablePerBatchRow ? r : s) * hd;
                    cs.readAt(table, cosRow, hd);
                    ss.readAt(table, sinRow, hd);
                }
                for (int h = 0; h < n; h++) {
                    int at = h * hd;
                    if (cs == null) {
                        System.arraycopy(row, at, head, 0, hd);
                    } else {
                        for (int i = 0; i < half; i++) {
                            head[i] = row[at + i] * cosRow[i] + row[at + i + half] * sinRow[i];
                            head[i + half] = row[at + i + half] * cosRow[i + half] + row[at + i] * sinRow[i + half];
                        }
                    }
                    os.writeAt(((b * n + h) * steps + s) * hd, head, hd);
                }
            }
        }
        return out;
    }

    /** Dense heads {@code [B, n, S, hd]} to rows {@code [B*S, n*hd]}. */
    static INDArray fromHeads(INDArray heads, int batch, int steps, int hd) {
        int n = (int) (heads.length() / ((long) batch * steps * hd));
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, (long) batch * steps, (long) n * hd);
        Rows hs = new Rows(heads);
        Rows os = new Rows(out);
        float[] row = new float[n * hd];
        float[] head = new float[hd];
        for (int b = 0; b < batch; b++) {
            for (int s = 0; s < steps; s++) {
                for (int h = 0; h < n; h++) {
                    hs.readAt(((b * n + h) * steps + s) * hd, head, hd);
                    System.arraycopy(head, 0, row, h * hd, hd);
                }
                os.write(b * steps + s, 0, row, n * hd);
            }
        }
        return out;
    }

    /**
     * {@link Kernels#geglu}: {@code hidden = gelu_tanh(gate) * up} for {@code gate, up [N, f]} (column views of one
     * stacked product allowed), and when {@code keep} also the inner tanh and the GELU for the backward pass.
     * The arithmetic is the same either way, so a recomputed forward pass reproduces a kept one bit for bit.
     */
    static Kernels.GeGlu geglu(INDArray gate, INDArray up, boolean keep) {
        return geglu(gate, up, keep, false);
    }

    /**
     * A thread's three rows of at least {@code f} floats for GeGLU's pieces, reused: allocated per piece they had
     * been most of a 16-stream decode step's garbage (2 MB a step, a young collection of 8-10 ms every second).
     */
    private static float[][] gegluRows(int f) {
        float[][] rows = GEGLU_ROWS.get();
        if (rows[0].length < f) {
            for (int i = 0; i < rows.length; i++) {
                rows[i] = new float[f];
            }
        }
        return rows;
    }

    private static final ThreadLocal<float[][]> GEGLU_ROWS = ThreadLocal.withInitial(() -> new float[3][0]);

    /** {@link #geglu(INDArray, INDArray, boolean)}, its tanh from {@link VectorLoops#geluTanh} when asked. */
    static Kernels.GeGlu geglu(INDArray gate, INDArray up, boolean keep, boolean vectorTanh) {
        int rows = (int) gate.rows();
        int f = (int) gate.columns();
        INDArray hidden = Nd4j.createUninitialized(DataType.FLOAT, rows, f);
        INDArray tanhs = keep ? Nd4j.createUninitialized(DataType.FLOAT, rows, f) : null;
        INDArray gelus = keep ? Nd4j.createUninitialized(DataType.FLOAT, rows, f) : null;
        Rows gs = new Rows(gate);
        Rows us = new Rows(up);
        Rows hs = new Rows(hidden);
        Rows ts = keep ? new Rows(tanhs) : null;
        Rows es = keep ? new Rows(gelus) : null;
        inRowChunks(rows, (from, to) -> {
            float[][] scratch = gegluRows(f);
            float[] g = scratch[0];
            float[] u = scratch[1];
            float[] t = scratch[2];
            for (int r = from; r < to; r++) {
                gs.read(r, 0, g, f);
                us.read(r, 0, u, f);
                if (vectorTanh) {
                    VectorLoops.geluTanh(g, t, f);
                } else {
                    for (int i = 0; i < f; i++) {
                        double x = g[i];
                        t[i] = tanh(Kernels.SQRT_2_OVER_PI * (x + Kernels.GELU_CUBIC * x * x * x));
                        g[i] = 0.5f * g[i] * (1f + t[i]);
                    }
                }
                for (int i = 0; i < f; i++) {
                    u[i] *= g[i];
                }
                hs.write(r, 0, u, f);
                if (keep) {
                    ts.write(r, 0, t, f);
                    es.write(r, 0, g, f);
                }
            }
        });
        return new Kernels.GeGlu(hidden, tanhs, gelus);
    }

    /** Rows {@code [from, to)} of a kernel. */
    @FunctionalInterface
    interface RowRange {
        void run(int from, int to);
    }

    /**
     * Runs {@code body} over rows {@code 0..rows} a row at a time on two threads from {@link #PARALLEL_ROWS} rows on
     * (rows are independent, so the result does not depend on the split), else on this thread.
     */
    private static void inRowChunks(int rows, RowRange body) {
        inChunks(rows, 1, rows >= PARALLEL_ROWS, body);
    }

    /**
     * Runs {@code body} over {@code 0..n} in pieces that are multiples of {@code chunk} (the last may be shorter), or
     * all at once on this thread when not {@code parallel}. This thread claims pieces from the front of what is left
     * and {@link SpinningHelper}'s from the back, each a quarter of what is left: a thread that starts late or is
     * slowed takes less, few pieces are claimed (each has a fixed cost, such as a product's store of its columns), and
     * each thread walks one contiguous stretch of memory, which the hardware prefetcher streams best. Sixteen equal
     * interleaved chunks made the products of a 16-row decode step a tenth slower.
     */
    static void inChunks(int n, int chunk, boolean parallel, RowRange body) {
        if (!parallel) {
            body.run(0, n);
            return;
        }
        AtomicLong unclaimed = new AtomicLong(span(0, n));
        SpinningHelper.share(() -> claim(unclaimed, chunk, true, body), () -> claim(unclaimed, chunk, false, body));
    }

    /** Runs {@code body} over pieces claimed from the front or the back of {@code unclaimed} until none is left. */
    private static void claim(AtomicLong unclaimed, int chunk, boolean fromFront, RowRange body) {
        while (true) {
            long bounds = unclaimed.get();
            int front = (int) (bounds >>> 32);
            int back = (int) bounds;
            if (front >= back) {
                return;
            }
            int piece = Math.max(chunk, (back - front) / 4);
            // Every cut falls on a multiple of chunk (only n itself may not), as the kernels' tiles need.
            int cut = fromFront ? Math.min(back, front + piece / chunk * chunk)
                    : Math.max(front, (back - piece + chunk - 1) / chunk * chunk);
            if (unclaimed.compareAndSet(bounds, fromFront ? span(cut, back) : span(front, cut))) {
                if (fromFront) {
                    body.run(front, cut);
                } else {
                    body.run(cut, back);
                }
            }
        }
    }

    private static long span(int front, int back) {
        return ((long) front << 32) | (back & 0xFFFFFFFFL);
    }

    /**
     * A float32 host array read and written a row at a time by bulk copies: element-wise access to a direct
     * buffer pays a memory-scope check per element, and loops over heap arrays compile to vector code. The buffer
     * holds the array's address, not the array, so every copy keeps the array reachable until it is done: a
     * caller's temporary collected mid-kernel would free the memory being read.
     */
    static final class Rows {
        private final INDArray array;
        private final FloatBuffer buffer;
        private final int stride;

        Rows(INDArray a) {
            array = a;
            buffer = floats(a);
            stride = a.rank() >= 2 ? (int) a.stride(0) : 0;
        }

        float[] read(int row, int column, float[] dst, int length) {
            buffer.get(row * stride + column, dst, 0, length);
            Reference.reachabilityFence(array);
            return dst;
        }

        /** Rows {@code first..first+n}, their first {@code length} elements each, back to back into {@code dst}. */
        void readRows(int first, int n, int length, float[] dst) {
            for (int r = 0; r < n; r++) {
                buffer.get((first + r) * stride, dst, r * length, length);
            }
            Reference.reachabilityFence(array);
        }

        void write(int row, int column, float[] src, int length) {
            write(row, column, src, 0, length);
        }

        /** {@code src[offset .. offset+length]} into row {@code row} from column {@code column} on. */
        void write(int row, int column, float[] src, int offset, int length) {
            buffer.put(row * stride + column, src, offset, length);
            Reference.reachabilityFence(array);
        }

        /** Elements {@code index .. index+length} in row-major order of a dense array. */
        void readAt(int index, float[] dst, int length) {
            readAt(index, dst, 0, length);
        }

        /** {@link #readAt(int, float[], int)} into {@code dst} from {@code offset} on. */
        void readAt(int index, float[] dst, int offset, int length) {
            buffer.get(index, dst, offset, length);
            Reference.reachabilityFence(array);
        }

        void writeAt(int index, float[] src, int length) {
            writeAt(index, src, 0, length);
        }

        /** {@link #writeAt(int, float[], int)} from {@code src}'s {@code offset} on. */
        void writeAt(int index, float[] src, int offset, int length) {
            buffer.put(index, src, offset, length);
            Reference.reachabilityFence(array);
        }
    }

    /**
     * Attention of a step's new positions, each over its own sequence's cache on the heap, read in place. First every
     * row's key and value go into its cache at position {@code length - 1}, so that a prefill chunk's later rows see
     * its earlier ones. Then for each row and query head {@code kv*g + h}: softmax over the cache's first
     * {@code length} positions of {@code q . k} (the 1/sqrt(hd) scale is in the query's rotary tables), and the
     * weighted sum of the values. Rows run on two threads from {@link #PARALLEL_ROWS} rows on: they only read the
     * caches, and their output rows are disjoint.
     *
     * @param queries {@code [KV, g, S, hd]}, the step's queries
     * @param newKeys {@code [KV, S, hd]} and {@code newValues} alike: the step's rotated keys and values
     * @param out     {@code [KV, g, S, hd]}, receiving the rows attended here
     * @param steps   {@code S}, the rows of the step
     */
    public static void attendNewPositions(INDArray queries, INDArray newKeys, INDArray newValues, INDArray out,
            int steps, List<DecodeRow> rows) {
        if (rows.isEmpty()) {
            return;
        }
        // One buffer per step array, shared by both threads: absolute bulk reads and writes touch no position.
        Rows qs = new Rows(queries);
        Rows nks = new Rows(newKeys);
        Rows nvs = new Rows(newValues);
        Rows os = new Rows(out);
        int kvHeads = (int) newKeys.size(0);
        int hd = (int) newKeys.size(2);
        int groups = (int) (queries.length() / (newKeys.length()));
        float[] key = new float[hd];
        for (DecodeRow d : rows) {
            int position = d.length() - 1;
            for (int kv = 0; kv < kvHeads; kv++) {
                int newRow = (kv * steps + d.row()) * hd;
                nks.readAt(newRow, key, hd);
                for (int i = 0, at = kv * hd * d.keyStride() + position; i < hd; i++, at += d.keyStride()) {
                    d.keys()[at] = key[i];
                }
                nvs.readAt(newRow, d.values(), (kv * d.capacity() + position) * hd, hd);
            }
        }
        inChunks(rows.size(), 1, rows.size() >= PARALLEL_ROWS, (first, last) -> {
            for (DecodeRow d : rows.subList(first, last)) {
                attendRow(qs, os, kvHeads, groups, steps, hd, d);
            }
        });
    }

    /**
     * A new position of a step: its index among the step's rows, its sequence's keys and values of the layer on the
     * heap, and how many positions it attends to, itself the last. Keys are {@code [KV, hd, keyStride]}, dimension by
     * dimension, so that scores of consecutive positions come out of vectors lane by lane ({@link #keyStride});
     * values are {@code [KV, capacity, hd]}.
     */
    public record DecodeRow(int row, float[] keys, int keyStride, float[] values, int capacity, int length) {}

    /**
     * The floats from one dimension's keys to the next for a cache of {@code capacity} positions: whole cache lines,
     * an odd number of them. Capacities grow by doubling, and a power-of-two stride put a head's 64 or 256 key rows
     * in a few cache sets, where they evicted each other: attention's scores took twice as long.
     */
    public static int keyStride(int capacity) {
        int lines = (capacity + 15) / 16;
        return (lines | 1) * 16;
    }

    private static void attendRow(Rows qs, Rows os, int kvHeads, int groups, int steps, int hd, DecodeRow d) {
        int length = d.length();
        Scratch scratch = SCRATCH.get().ensure(groups * hd);
        float[] queries = scratch.queries;
        float[] sums = scratch.sums;
        float[] scores = scratch.scores(groups, length);
        for (int kv = 0; kv < kvHeads; kv++) {
            int keyBase = kv * hd * d.keyStride();
            int valueBase = kv * d.capacity() * hd;
            int firstHead = (kv * groups * steps + d.row()) * hd;    // head h of the group is steps*hd further
            for (int h = 0; h < groups; h++) {
                qs.readAt(firstHead + h * steps * hd, queries, h * hd, hd);
            }
            if (VECTOR_MODULE) {
                VectorLoops.attendGroup(queries, groups, hd, d.keys(), keyBase, d.keyStride(), d.values(), valueBase,
                        length, scores, sums);
            } else {
                for (int h = 0; h < groups; h++) {
                    softmaxWeightedSum(queries, h * hd, d.keys(), keyBase, d.keyStride(), d.values(), valueBase,
                            length, hd, scores, sums, h * hd);
                }
            }
            for (int h = 0; h < groups; h++) {
                os.writeAt(firstHead + h * steps * hd, sums, h * hd, hd);
            }
        }
    }

    /** tanh through the exp intrinsic: Math.tanh is fdlibm's StrictMath, 15% of a decode step's loops. */
    private static float tanh(double x) {
        return (float) (1.0 - 2.0 / (Math.exp(2.0 * x) + 1.0));
    }

    /** The rows of a dense {@code [N, width]} array into the first N heap rows of {@code out}, a bulk read each. */
    static void rows(INDArray a, float[][] out) {
        int rows = (int) a.rows();
        int width = (int) a.columns();
        Rows in = new Rows(a);
        for (int r = 0; r < rows; r++) {
            in.read(r, 0, out[r], width);
        }
    }

    /**
     * One query head's attention, without the vector module, over a key/value head's first {@code length} positions
     * on the heap (keys dimension by dimension from {@code keyBase}, {@code keyStride} apart; values position by
     * position from {@code valueBase}): {@code sum[out ..]} gets {@code sum_j softmax_j(q.k_j) v_j}.
     */
    private static void softmaxWeightedSum(float[] queries, int q, float[] keys, int keyBase, int keyStride,
            float[] values, int valueBase, int length, int hd, float[] scores, float[] sum, int out) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < length; j++) {
            float s = 0;
            for (int i = 0, at = keyBase + j; i < hd; i++, at += keyStride) {
                s += queries[q + i] * keys[at];
            }
            scores[j] = s;
            max = Math.max(max, scores[j]);
        }
        float total = 0;
        for (int j = 0; j < length; j++) {
            scores[j] = (float) Math.exp(scores[j] - max);
            total += scores[j];
        }
        java.util.Arrays.fill(sum, out, out + hd, 0f);
        for (int j = 0; j < length; j++) {
            for (int i = 0; i < hd; i++) {
                sum[out + i] += scores[j] * values[valueBase + j * hd + i];
            }
        }
        float norm = 1f / total;
        for (int i = 0; i < hd; i++) {
            sum[out + i] *= norm;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** Heap arrays reused by a thread's attention calls, grown to the longest cache seen. */
    private static final class Scratch {
        float[] queries = new float[0];
        float[] sums = new float[0];
        private float[] scores = new float[0];

        /** Room for a group's queries and sums, {@code [g, hd]}. */
        Scratch ensure(int groupFloats) {
            if (queries.length != groupFloats) {
                queries = new float[groupFloats];
                sums = new float[groupFloats];
            }
            return this;
        }

        /** Room for {@code heads} rows of {@code length} scores rounded up to a vector ({@link VectorLoops}). */
        float[] scores(int heads, int length) {
            int room = heads * (length + 64);
            if (scores.length < room) {
                scores = new float[Math.max(room, 2 * scores.length)];
            }
            return scores;
        }
    }
}
