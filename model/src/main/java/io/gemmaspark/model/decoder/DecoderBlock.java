package io.gemmaspark.model.decoder;

import io.gemmaspark.model.GemmaConfig;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The Gemma block, the one place it is composed (Gemma Team, 2024; forward beside its backward, as in llm.c):
 * <pre>
 *   a  = RMSNorm(x)
 *   x += o(softmax(RoPE(q(a)) RoPE(k(a))^T + mask) v(a))
 *   a2 = RMSNorm(x)
 *   x += down(gelu_tanh(gate(a2)) * up(a2))
 * </pre>
 * Training ({@link DecoderPass}) runs it over whole sequences and keeps the activations for {@link #backward};
 * generation runs it over the new positions only, its attention reading keys and values from a cache.
 *
 * <p>Heads are {@code [B, n, S, hd]} with query head {@code kv*g + h} in group {@code kv} (repeat_interleave order
 * of gemma_pytorch), so the {@code g = heads / kvHeads} query heads sharing a key/value head stack along the time
 * axis: one batched matmul {@code [B*KV, g*S, hd] x [B*KV, hd, L]} serves MQA, GQA and MHA, and shared keys are
 * never copied.
 */
public final class DecoderBlock {

    /**
     * Where the block stands in the sequence: {@code steps} new positions per row, rotary tables that broadcast
     * against heads {@code [B, n, S, hd]}, and an additive mask that broadcasts against the scores
     * {@code [B, H, S, L]} ({@code L} the keys attended to).
     */
    public record Positions(int batch, int steps, INDArray cosQ, INDArray sinQ, INDArray cosK, INDArray sinK,
                            INDArray mask) {}

    /**
     * The keys and values attention reads, given this step's rotated keys and values {@code [B*KV, S, hd]}:
     * those alone when training on whole sequences, the cache extended by them when generating.
     */
    @FunctionalInterface
    public interface KeyValues {
        INDArray[] attendTo(INDArray keys, INDArray values);

        /** Whole sequences: attention sees this step's keys and values only. */
        KeyValues SELF = (keys, values) -> new INDArray[] {keys, values};
    }

    /** What {@link #backward} needs from the forward pass. */
    public record Activations(Kernels.Rms attnNorm, INDArray queries, INDArray keys, INDArray values,
                              INDArray probs, INDArray attention, Kernels.Rms mlpNorm, INDArray gate,
                              INDArray gateTanh, INDArray gateGelu, INDArray up, INDArray hidden) {}

    private final GemmaConfig c;
    private final int groups;

    public DecoderBlock(GemmaConfig config) {
        this.c = config;
        this.groups = config.numAttentionHeads() / config.numKeyValueHeads();
    }

    /**
     * The attention core for callers whose sequences do not share one key set: given the step's rotated queries
     * {@code [B*KV, g*S, hd]} and new rotated keys and values {@code [B*KV, S, hd]}, it returns the attention
     * output in the queries' layout. Batched generation uses it for sequences of different lengths, each reading
     * its own cache; the rest of the block stays composed here.
     */
    @FunctionalInterface
    public interface Attention {
        INDArray attend(INDArray queries, INDArray newKeys, INDArray newValues);
    }

    /**
     * Adds the block's two residual branches to {@code x} {@code [B*S, d]} in place.
     *
     * @param keep whether to return the activations for {@link #backward} (otherwise {@code null} is returned
     *             and buffers are reused where the backward pass would have needed them)
     */
    public Activations forward(INDArray x, DecoderTensors.Block w, Positions at, KeyValues kv, boolean keep) {
        DenseAttention dense = new DenseAttention(at, kv);
        Activations partial = compose(x, w, at, dense, BlockKernels.TRAINING, keep);
        return keep ? new Activations(partial.attnNorm(), partial.queries(), dense.keys, dense.values, dense.probs,
                partial.attention(), partial.mlpNorm(), partial.gate(), partial.gateTanh(), partial.gateGelu(),
                partial.up(), partial.hidden()) : null;
    }

    /**
     * Inference through the caller's attention core and kernels (nothing is kept for a backward pass).
     */
    public void forward(INDArray x, DecoderTensors.Block w, Positions at, Attention attention,
            BlockKernels kernels) {
        compose(x, w, at, attention, kernels, false);
    }

    /** The block around its attention core; the returned activations lack the core's keys, values and probs. */
    private Activations compose(INDArray x, DecoderTensors.Block w, Positions at, Attention core,
            BlockKernels kernels, boolean keep) {
        int batch = at.batch();
        int steps = at.steps();
        int hd = c.headDim();
        int heads = c.numAttentionHeads();
        int kvHeads = c.numKeyValueHeads();
        Kernels.Rms attnNorm = Kernels.rmsNorm(x, w.inputNorm(), c.rmsNormEps(), keep);
        INDArray a = attnNorm.y();
        ProjectionPart[] qkv = projectQkv(a, w, kernels, (long) heads * hd, (long) kvHeads * hd);
        INDArray queries = Kernels.heads(qkv[0].output(), qkv[0].firstColumn(), heads, batch, steps, hd, at.cosQ(),
                at.sinQ()).reshape('c', (long) batch * kvHeads, (long) groups * steps, hd);
        INDArray newKeys = Kernels.heads(qkv[1].output(), qkv[1].firstColumn(), kvHeads, batch, steps, hd, at.cosK(),
                at.sinK());
        INDArray newValues = Kernels.heads(qkv[2].output(), qkv[2].firstColumn(), kvHeads, batch, steps, hd, null,
                null);
        INDArray attention = Kernels.fromHeads(core.attend(queries, kvRows(newKeys, batch, steps),
                kvRows(newValues, batch, steps)), batch, steps, hd);
        kernels.linearAccumulate(attention, w.o(), x);

        Kernels.Rms mlpNorm = Kernels.rmsNorm(x, w.postNorm(), c.rmsNormEps(), keep);
        INDArray[] gateUp = w.gateUp() == null
                ? new INDArray[] {kernels.linear(mlpNorm.y(), w.gate()), kernels.linear(mlpNorm.y(), w.up())}
                : columns(kernels.linear(mlpNorm.y(), w.gateUp()), w.gate().rows(), w.up().rows());
        INDArray gate = gateUp[0];
        INDArray up = gateUp[1];
        Kernels.GeGlu mlp = kernels.geglu(gate, up, keep);
        kernels.linearAccumulate(mlp.hidden(), w.down(), x);
        return keep ? new Activations(attnNorm, queries, null, null, null, attention, mlpNorm, gate, mlp.gateTanh(),
                mlp.gateGelu(), up, mlp.hidden()) : null;
    }

    /** Every row attends to one key set (its own sequence, or the cache extended by it) under {@code at.mask()}. */
    private final class DenseAttention implements Attention {
        private final Positions at;
        private final KeyValues kv;
        INDArray keys;
        INDArray values;
        INDArray probs;

        DenseAttention(Positions at, KeyValues kv) {
            this.at = at;
            this.kv = kv;
        }

        @Override
        public INDArray attend(INDArray queries, INDArray newKeys, INDArray newValues) {
            INDArray[] attended = kv.attendTo(newKeys, newValues);
            keys = attended[0];
            values = attended[1];
            // The query scale 1/sqrt(hd) is folded into the query rotary tables.
            probs = Nd4j.matmul(queries, keys, false, true, false);
            INDArray perHead = probs.reshape('c', at.batch(), c.numAttentionHeads(), at.steps(), keys.size(1));
            Nd4j.exec(new AddOp(perHead, at.mask(), perHead));
            Kernels.softmaxInPlace(probs);
            return Nd4j.matmul(probs, values);
        }
    }

    /**
     * Backpropagates {@code dx} (dLoss/d output of the block, {@code [B*S, d]}) through the block whose forward
     * kept {@code s}: writes the weight gradients into {@code g} and returns dLoss/d input, in {@code dx}'s buffer
     * (the residual passes the gradient through unchanged, the branches add to it).
     */
    public INDArray backward(INDArray dx, DecoderTensors.Block w, DecoderTensors.Block g, Positions at,
            Activations s) {
        int batch = at.batch();
        int steps = at.steps();
        // MLP branch
        INDArray dHidden = Nd4j.gemm(dx, w.down(), false, false);
        Kernels.linearWeightGrad(dx, s.hidden(), g.down());
        INDArray dUp = dHidden.mul(s.gateGelu());
        INDArray dGate = Kernels.geluTanhBackwardInPlace(dHidden.muli(s.up()), s.gate(), s.gateTanh());
        Kernels.linearWeightGrad(dGate, s.mlpNorm().y(), g.gate());
        Kernels.linearWeightGrad(dUp, s.mlpNorm().y(), g.up());
        INDArray dMlpIn = Nd4j.gemm(dGate, w.gate(), false, false);
        Kernels.linearInputGrad(dUp, w.up(), dMlpIn, true);
        dx.addi(Kernels.rmsNormBackward(dMlpIn, s.mlpNorm(), w.postNorm(), g.postNorm()));

        // attention branch
        INDArray dAttention = Nd4j.gemm(dx, w.o(), false, false);
        Kernels.linearWeightGrad(dx, s.attention(), g.o());
        INDArray dOut = Kernels.toHeads(dAttention, batch, steps, c.headDim()).reshape('c', (long) batch * c.numKeyValueHeads(),
                (long) groups * steps, c.headDim());
        INDArray dProbs = Nd4j.matmul(dOut, s.values(), false, true, false);
        INDArray dValues = Nd4j.matmul(s.probs(), dOut, true, false, false);
        INDArray dScores = Kernels.softmaxBackwardInPlace(dProbs, s.probs());
        INDArray dQueries = Nd4j.matmul(dScores, s.keys());
        INDArray dKeys = Nd4j.matmul(dScores, s.queries(), true, false, false);
        dQueries = Kernels.ropeBackward(dQueries.reshape('c', batch, c.numAttentionHeads(), steps, c.headDim()),
                at.cosQ(), at.sinQ());
        dKeys = Kernels.ropeBackward(dKeys.reshape('c', batch, c.numKeyValueHeads(), steps, c.headDim()),
                at.cosK(), at.sinK());

        INDArray dq = Kernels.fromHeads(dQueries, batch, steps, c.headDim());
        INDArray dk = Kernels.fromHeads(dKeys, batch, steps, c.headDim());
        INDArray dv = Kernels.fromHeads(dValues, batch, steps, c.headDim());
        INDArray a = s.attnNorm().y();
        Kernels.linearWeightGrad(dq, a, g.q());
        Kernels.linearWeightGrad(dk, a, g.k());
        Kernels.linearWeightGrad(dv, a, g.v());
        INDArray dAttnIn = Nd4j.gemm(dq, w.q(), false, false);
        Kernels.linearInputGrad(dk, w.k(), dAttnIn, true);
        Kernels.linearInputGrad(dv, w.v(), dAttnIn, true);
        dx.addi(Kernels.rmsNormBackward(dAttnIn, s.attnNorm(), w.inputNorm(), g.inputNorm()));
        return dx;
    }

    /**
     * One of q, k, v: a projection's output and the column the part starts at (0 unless the output is one stacked
     * product). {@link Kernels#heads} reads from that column, so no view is cut.
     */
    private record ProjectionPart(INDArray output, long firstColumn) {}

    /** q, k and v: parts of one stacked product where the parameters lie back to back, else three products. */
    private static ProjectionPart[] projectQkv(INDArray a, DecoderTensors.Block w, BlockKernels kernels,
            long qWidth, long kvWidth) {
        if (w.qkv() == null) {
            return new ProjectionPart[] {new ProjectionPart(kernels.linear(a, w.q()), 0),
                new ProjectionPart(kernels.linear(a, w.k()), 0), new ProjectionPart(kernels.linear(a, w.v()), 0)};
        }
        INDArray stacked = kernels.linear(a, w.qkv());
        return new ProjectionPart[] {new ProjectionPart(stacked, 0), new ProjectionPart(stacked, qWidth),
            new ProjectionPart(stacked, qWidth + kvWidth)};
    }

    /** Column views of a stacked projection's output, {@code widths} wide in order. */
    private static INDArray[] columns(INDArray stacked, long... widths) {
        INDArray[] parts = new INDArray[widths.length];
        long from = 0;
        for (int i = 0; i < widths.length; i++) {
            parts[i] = stacked.get(NDArrayIndex.all(), NDArrayIndex.interval(from, from + widths[i]));
            from += widths[i];
        }
        return parts;
    }

    /** Key/value heads {@code [B, KV, S, hd]} as {@code [B*KV, S, hd]}. */
    private INDArray kvRows(INDArray heads, int batch, int steps) {
        return heads.reshape('c', (long) batch * c.numKeyValueHeads(), steps, c.headDim());
    }
}
