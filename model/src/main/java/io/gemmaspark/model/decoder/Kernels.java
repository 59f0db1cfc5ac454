package io.gemmaspark.model.decoder;

import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The decoder's math as whole-array ND4J operations, shared by training ({@link DecoderPass}) and generation.
 * Each forward kernel has its backward next to it. Linear weights are {@code [out, in]} (Hugging Face layout).
 */
public final class Kernels {
    static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);
    static final double GELU_CUBIC = 0.044715;

    private Kernels() {}

    /**
     * {@code x W^T}: x {@code [N, in]}, w {@code [out, in]} -> {@code [N, out]}. On host memory the product goes
     * straight to OpenBLAS ({@link HostKernels#linear}); otherwise a single row (one decode step) goes through BLAS
     * gemv, which streams the weights several times faster than a one-row gemm, and several rows through
     * {@code Nd4j.gemm} into an output allocated here (given none, it copies the transposed weights first, which
     * made a 16-row product cost 2-3x one into a given output).
     */
    public static INDArray linear(INDArray x, INDArray w) {
        INDArray y = Nd4j.createUninitialized(x.dataType(), x.rows(), w.rows());
        linearAccumulateOrWrite(x, w, y, false);
        return y;
    }

    /** {@code y += x W^T} in place (a residual branch added without a temporary). */
    public static void linearAccumulate(INDArray x, INDArray w, INDArray y) {
        linearAccumulateOrWrite(x, w, y, true);
    }

    private static void linearAccumulateOrWrite(INDArray x, INDArray w, INDArray y, boolean accumulate) {
        if (HostKernels.applies(x, w, y)) {
            HostKernels.linear(x, w, y, accumulate);
        } else if (x.rows() == 1 && x.dataType() == w.dataType()) {
            Nd4j.getBlasWrapper().level2().gemv('c', 'N', 1.0, w, x.reshape('c', new long[] {x.columns()}),
                    accumulate ? 1.0 : 0.0, y.reshape('c', new long[] {y.columns()}));
        } else {
            Nd4j.gemm(x, w, y, false, true, 1.0, accumulate ? 1.0 : 0.0);
        }
    }

    /** Whether arrays of {@code dtype} take the host-memory kernels on this backend (float32 on the CPU). */
    public static boolean onHost(DataType dtype) {
        return HostKernels.hostFloat(dtype);
    }

    /** Whether the arrays are float32 host memory in dense row-major layout, as {@link HostKernels} reads them. */
    public static boolean onHost(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (!HostKernels.dense(a)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Rows {@code rows} of a matrix, in that order, as a new {@code [rows.length, width]} array. On the host a bulk
     * copy per row: a decode step gathers embeddings and rotary rows, and ND4J's pullRows cost 40 us a call.
     */
    public static INDArray gatherRows(INDArray a, int[] rows) {
        return HostKernels.dense(a) && a.rank() == 2 ? HostKernels.gatherRows(a, rows) : Nd4j.pullRows(a, 1, rows);
    }

    /** The input embeddings of {@code ids}: rows of the tied embedding {@code [V, d]} times {@code sqrt(d)}. */
    public static INDArray embedRows(INDArray embed, int[] ids) {
        return gatherRows(embed, ids).muli(Math.sqrt(embed.columns()));
    }

    /** A {@code [N, width]} array's rows as float32 heap arrays (logits handed to the samplers). */
    public static float[][] toFloatRows(INDArray a) {
        float[][] rows = new float[(int) a.rows()][(int) a.columns()];
        toFloatRows(a, rows);
        return rows;
    }

    /** {@link #toFloatRows(INDArray)} into the first {@code a.rows()} of the caller's rows. */
    public static void toFloatRows(INDArray a, float[][] into) {
        if (HostKernels.dense(a) && a.rank() == 2) {
            HostKernels.rows(a, into);
            return;
        }
        float[][] rows = a.castTo(DataType.FLOAT).toFloatMatrix();
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, into[r], 0, rows[r].length);
        }
    }

    /**
     * The index of the largest logit, the first on ties, as {@code torch.argmax} and {@code np.argmax} pick it (NaNs
     * are passed over unless the first element is one).
     */
    public static int argmax(float[] logits) {
        int index = HostKernels.VECTOR_MODULE ? VectorLoops.argmax(logits) : -1;
        if (index >= 0) {
            return index;
        }
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * The row-major matrices {@code parts} (same width) as one {@code [sum of rows, width]} view when they lie back
     * to back in one buffer, in this order; null otherwise.
     */
    public static INDArray stackedRows(INDArray... parts) {
        INDArray first = parts[0];
        long width = first.columns();
        long rows = 0;
        for (INDArray p : parts) {
            boolean adjacent = p.rank() == 2 && p.columns() == width && p.ordering() == 'c'
                    && p.stride(1) == 1 && p.stride(0) == width && root(p.data()) == root(first.data())
                    && p.offset() == first.offset() + rows * width;
            if (!adjacent) {
                return null;
            }
            rows += p.rows();
        }
        // A view's offset() counts from the buffer it was cut from, so the stacked view is cut from that too.
        return Nd4j.create(root(first.data()), new long[] {rows, width}, new long[] {width, 1}, first.offset(), 'c');
    }

    private static DataBuffer root(DataBuffer buffer) {
        return buffer.originalDataBuffer() != null ? buffer.originalDataBuffer() : buffer;
    }

    /** dW = dy^T x, written into {@code dw} ({@code [out, in]}). */
    public static void linearWeightGrad(INDArray dy, INDArray x, INDArray dw) {
        Nd4j.gemm(dy, x, dw, true, false, 1.0, 0.0);
    }

    /** dx = dy W, added to {@code dx} when {@code accumulate}, else written. */
    public static void linearInputGrad(INDArray dy, INDArray w, INDArray dx, boolean accumulate) {
        Nd4j.gemm(dy, w, dx, false, false, 1.0, accumulate ? 1.0 : 0.0);
    }

    /**
     * RMSNorm outputs kept for the backward pass: {@code normed = x * rinv}, {@code y = normed * (1 + w)}; inference
     * on the host keeps {@code y} alone (the others null).
     */
    public record Rms(INDArray y, INDArray normed, INDArray rinv) {}

    /** {@code x * rsqrt(mean(x^2) + eps) * (1 + w)} over the last axis of {@code x [N, d]}. */
    public static Rms rmsNorm(INDArray x, INDArray w, double eps) {
        return rmsNorm(x, w, eps, true);
    }

    /**
     * As above; without {@code keep} (inference) the host kernel writes {@code y} only, the same bits: a 16-stream
     * decode step runs seventeen norms, each had written two more arrays for a backward pass that never came.
     */
    public static Rms rmsNorm(INDArray x, INDArray w, double eps, boolean keep) {
        if (HostKernels.applies(x) && HostKernels.dense(w)) {
            return HostKernels.rmsNorm(x, w, eps, keep);
        }
        INDArray rinv = Transforms.pow(x.mul(x).mean(true, 1).addi(eps), -0.5, false);
        INDArray normed = x.mulColumnVector(rinv);
        INDArray y = normed.mulRowVector(w.add(1.0));
        return new Rms(y, normed, rinv);
    }

    /**
     * Backward of {@link #rmsNorm}: writes dL/dw into {@code dw} and returns dL/dx
     * {@code = rinv * (dn - normed * mean(dn * normed))} with {@code dn = dy * (1 + w)}.
     */
    public static INDArray rmsNormBackward(INDArray dy, Rms saved, INDArray w, INDArray dw) {
        dw.assign(dy.mul(saved.normed()).sum(0));
        INDArray dn = dy.mulRowVector(w.add(1.0));
        INDArray dot = dn.mul(saved.normed()).mean(true, 1);
        return dn.subi(saved.normed().mulColumnVector(dot)).muliColumnVector(saved.rinv());
    }

    /** GeGLU's output and, when kept for the backward pass, its inner tanh and GELU (else null). */
    public record GeGlu(INDArray hidden, INDArray gateTanh, INDArray gateGelu) {}

    /** {@code gelu_tanh(gate) * up}; {@code keep} also returns the parts {@link #geluTanhBackwardInPlace} needs. */
    public static GeGlu geglu(INDArray gate, INDArray up, boolean keep) {
        if (HostKernels.applies(gate, up)) {
            return HostKernels.geglu(gate, up, keep);
        }
        INDArray gateTanh = geluTanhInner(gate);
        INDArray gateGelu = geluTanh(gate, gateTanh);
        return keep ? new GeGlu(gateGelu.mul(up), gateTanh, gateGelu) : new GeGlu(gateGelu.muli(up), null, null);
    }

    /** tanh(sqrt(2/pi) (x + 0.044715 x^3)), the inner term of tanh-GELU, kept for the backward pass. */
    public static INDArray geluTanhInner(INDArray x) {
        INDArray inner = x.mul(x).muli(GELU_CUBIC).addi(1.0).muli(x).muli(SQRT_2_OVER_PI);
        return Transforms.tanh(inner, false);
    }

    /** tanh-GELU {@code 0.5 x (1 + t)} given {@code t = geluTanhInner(x)}. */
    public static INDArray geluTanh(INDArray x, INDArray t) {
        return t.add(1.0).muli(x).muli(0.5);
    }

    /**
     * dL/dx of tanh-GELU, in place in {@code dy}:
     * {@code 0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2)}.
     */
    public static INDArray geluTanhBackwardInPlace(INDArray dy, INDArray x, INDArray t) {
        INDArray slope = t.mul(t).rsubi(1.0)
                .muli(x.mul(x).muli(3 * GELU_CUBIC).addi(1.0))
                .muli(x).muli(0.5 * SQRT_2_OVER_PI)
                .addi(t.add(1.0).muli(0.5));
        return dy.muli(slope);
    }

    /**
     * Heads {@code [B, n, S, hd]} from columns {@code from .. from + n*hd} of a row-major projection
     * {@code [B*S, width]}, rotated by {@link #rope} when tables are given (null for values).
     */
    public static INDArray heads(INDArray projected, long from, int n, int batch, int steps, int hd, INDArray cos,
            INDArray sin) {
        if (HostKernels.applies(projected) && HostKernels.dense(cos) && HostKernels.dense(sin)) {
            return HostKernels.heads(projected, Math.toIntExact(from), n, batch, steps, hd, cos, sin);
        }
        INDArray columns = projected.get(NDArrayIndex.all(), NDArrayIndex.interval(from, from + (long) n * hd));
        INDArray heads = toHeads(columns, batch, steps, hd);
        return cos == null ? heads : rope(heads, cos, sin);
    }

    /** {@code [B*S, n*hd]} (row-major projection output) to heads {@code [B, n, S, hd]}. */
    public static INDArray toHeads(INDArray projected, int batch, int steps, int hd) {
        long n = projected.length() / ((long) batch * steps * hd);
        if (steps == 1) {   // swapping an axis of length 1 moves nothing: a view (one decode step of each row)
            return projected.reshape('c', batch, n, 1, hd);
        }
        return projected.reshape('c', batch, steps, n, hd).permute(0, 2, 1, 3).dup('c');
    }

    /** Inverse of {@link #toHeads}: any array holding heads {@code [B, n, S, hd]} to {@code [B*S, n*hd]}. */
    public static INDArray fromHeads(INDArray heads, int batch, int steps, int hd) {
        long n = heads.length() / ((long) batch * steps * hd);
        if (steps == 1) {
            return heads.reshape('c', batch, n * hd);
        }
        if (HostKernels.dense(heads)) {
            return HostKernels.fromHeads(heads, batch, steps, hd);
        }
        return heads.reshape('c', batch, n, steps, hd).permute(0, 2, 1, 3).dup('c')
                .reshape('c', (long) batch * steps, n * hd);
    }

    /** {@code [x2, x1]} from {@code [x1, x2]} along the last axis (the halves of rotate-half). */
    public static INDArray halfSwap(INDArray x) {
        long width = x.size(-1);
        long half = width / 2;
        INDArray out = Nd4j.createUninitialized(x.dataType(), x.shape());
        out.get(lastAxis(x.rank(), 0, half)).assign(x.get(lastAxis(x.rank(), half, width)));
        out.get(lastAxis(x.rank(), half, width)).assign(x.get(lastAxis(x.rank(), 0, half)));
        return out;
    }

    private static INDArrayIndex[] lastAxis(int rank, long from, long to) {
        INDArrayIndex[] idx = new INDArrayIndex[rank];
        for (int i = 0; i < rank - 1; i++) {
            idx[i] = NDArrayIndex.all();
        }
        idx[rank - 1] = NDArrayIndex.interval(from, to);
        return idx;
    }

    /**
     * Rotary embedding, half-split layout: {@code x cos + rotate_half(x) sin}, written as
     * {@code x * [cos, cos] + halfSwap(x) * [-sin, sin]} with full-width tables that broadcast against {@code x}
     * (numpy rules; e.g. x {@code [B, T, hd]} with tables {@code [T, hd]}).
     */
    public static INDArray rope(INDArray x, INDArray cos, INDArray sin) {
        INDArray out = broadcastMul(x, cos);
        INDArray rotated = broadcastMulInPlace(halfSwap(x), sin);
        return out.addi(rotated);
    }

    /** Backward of {@link #rope}: {@code dy * cos + halfSwap(dy * sin)} (the half swap is its own transpose). */
    public static INDArray ropeBackward(INDArray dy, INDArray cos, INDArray sin) {
        INDArray viaSin = halfSwap(broadcastMul(dy, sin));
        return broadcastMulInPlace(dy.dup(), cos).addi(viaSin);
    }

    static INDArray broadcastMul(INDArray x, INDArray table) {
        INDArray out = Nd4j.createUninitialized(x.dataType(), x.shape());
        Nd4j.exec(new MulOp(x, table, out));
        return out;
    }

    static INDArray broadcastMulInPlace(INDArray x, INDArray table) {
        Nd4j.exec(new MulOp(x, table, x));
        return x;
    }

    /** Softmax over the last axis, in place. */
    public static INDArray softmaxInPlace(INDArray x) {
        Nd4j.exec(new SoftMax(x, x, x.rank() - 1));
        return x;
    }

    /** Backward of softmax over the last axis: {@code p * (dp - sum(dp * p))}, in place in {@code dp}. */
    public static INDArray softmaxBackwardInPlace(INDArray dp, INDArray p) {
        INDArray dot = dp.mul(p).sum(true, p.rank() - 1);
        Nd4j.exec(new org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.SubOp(dp, dot, dp));
        return dp.muli(p);
    }
}
