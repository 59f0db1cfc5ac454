package io.gemmaspark.model.decoder;

import io.gemmaspark.model.GemmaConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scatter.ScatterSub;
import org.nd4j.linalg.api.ops.impl.shape.Gather;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.api.ops.impl.transforms.segment.UnsortedSegmentSum;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * One forward pass of the decoder over a {@code [batch, T]} block of token ids at positions {@code 0..T-1}, keeping
 * what the backward pass needs (the llm.c approach: explicit activations, hand-written gradients).
 *
 * <p>Attention layout: the {@code g = heads / kvHeads} query heads that share a key/value head are stacked along
 * the time axis, so one batched matmul {@code [B*KV, g*T, hd] x [B*KV, hd, T]} serves MQA, GQA and MHA alike and
 * shared keys are never copied.
 */
final class DecoderPass {
    private static final double MASKED = -1e9;
    private static final Map<String, INDArray> CAUSAL_MASKS = new ConcurrentHashMap<>();

    private final GemmaConfig c;
    private final DecoderTensors p;
    private final int batch;
    private final int time;
    private final int rows;
    private final int[] ids;
    private final DataType dtype;
    private final int groups;
    private final INDArray cosQ;
    private final INDArray sinQ;
    private final INDArray cosK;
    private final INDArray sinK;
    private final INDArray causalMask;

    private final List<BlockActivations> saved = new ArrayList<>();
    private Kernels.Rms finalNorm;
    private INDArray logits;

    private record BlockActivations(Kernels.Rms attnNorm, INDArray queries, INDArray keys, INDArray values,
                                    INDArray probs, INDArray attention, Kernels.Rms mlpNorm, INDArray gate,
                                    INDArray gateTanh, INDArray gateGelu, INDArray up, INDArray hidden) {}

    DecoderPass(GemmaConfig config, DecoderTensors params, int[] ids, int batch, int time) {
        if (time > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("sequence length " + time + " exceeds max_position_embeddings "
                    + config.maxPositionEmbeddings());
        }
        this.c = config;
        this.p = params;
        this.ids = ids;
        this.batch = batch;
        this.time = time;
        this.rows = batch * time;
        this.dtype = params.embed.dataType();
        this.groups = config.numAttentionHeads() / config.numKeyValueHeads();
        INDArray[] q = RotaryTables.prefix(c.headDim(), c.ropeTheta(), dtype, Math.pow(c.headDim(), -0.5), time);
        INDArray[] k = RotaryTables.prefix(c.headDim(), c.ropeTheta(), dtype, 1.0, time);
        this.cosQ = q[0];
        this.sinQ = q[1];
        this.cosK = k[0];
        this.sinK = k[1];
        this.causalMask = causalMask(time, dtype);
    }

    /** Logits {@code [batch*T, vocab]} (row {@code b*T + t}); activations are kept for {@link #backward}. */
    INDArray forward() {
        INDArray x = Nd4j.pullRows(p.embed, 1, ids).muli(Math.sqrt(c.hiddenSize()));
        for (DecoderTensors.Block b : p.blocks) {
            x = block(x, b);
        }
        finalNorm = Kernels.rmsNorm(x, p.finalNorm, c.rmsNormEps());
        logits = Kernels.linear(finalNorm.y(), p.embed);
        return logits;
    }

    private INDArray block(INDArray x, DecoderTensors.Block b) {
        int kv = c.numKeyValueHeads();
        int hd = c.headDim();
        Kernels.Rms attnNorm = Kernels.rmsNorm(x, b.inputNorm(), c.rmsNormEps());
        INDArray a = attnNorm.y();
        INDArray queries = Kernels.rope(toHeads(Kernels.linear(a, b.q()), groups), cosQ, sinQ)
                .reshape('c', (long) batch * kv, (long) groups * time, hd);
        INDArray keys = Kernels.rope(toHeads(Kernels.linear(a, b.k()), 1), cosK, sinK);
        INDArray values = toHeads(Kernels.linear(a, b.v()), 1);

        INDArray probs = Nd4j.matmul(queries, keys, false, true, false);
        INDArray perHead = probs.reshape('c', (long) batch * c.numAttentionHeads(), time, time);
        Nd4j.exec(new AddOp(perHead, causalMask, perHead));
        Kernels.softmaxInPlace(probs);
        INDArray attention = fromHeads(Nd4j.matmul(probs, values), groups);
        x.addi(Kernels.linear(attention, b.o()));

        Kernels.Rms mlpNorm = Kernels.rmsNorm(x, b.postNorm(), c.rmsNormEps());
        INDArray gate = Kernels.linear(mlpNorm.y(), b.gate());
        INDArray up = Kernels.linear(mlpNorm.y(), b.up());
        INDArray gateTanh = Kernels.geluTanhInner(gate);
        INDArray gateGelu = Kernels.geluTanh(gate, gateTanh);
        INDArray hidden = gateGelu.mul(up);
        x.addi(Kernels.linear(hidden, b.down()));
        saved.add(new BlockActivations(attnNorm, queries, keys, values, probs, attention, mlpNorm, gate, gateTanh,
                gateGelu, up, hidden));
        return x;
    }

    /**
     * Weighted mean cross-entropy {@code sum(w * ce) / sum(w)}, turning the logits into dLoss/dLogits in place.
     *
     * @param weights per-row weights {@code [rows]}, or {@code null} for all ones
     */
    double lossAndLogitGradient(int[] labels, INDArray weights) {
        int vocab = c.vocabSize();
        INDArray w = weights == null ? Nd4j.ones(dtype, rows, 1) : weights.reshape('c', rows, 1).castTo(dtype);
        double weightSum = w.sumNumber().doubleValue();

        long[] flatIndex = new long[rows];
        for (int r = 0; r < rows; r++) {
            flatIndex[r] = (long) r * vocab + labels[r];
        }
        INDArray index = Nd4j.createFromArray(flatIndex);
        INDArray shifted = logits.subiColumnVector(logits.max(true, 1));
        INDArray flat = shifted.reshape('c', new long[] {(long) rows * vocab});
        INDArray labelLogit = Nd4j.exec(new Gather(flat, index, 0))[0].reshape('c', rows, 1);
        INDArray sumExp = Transforms.exp(shifted, false).sum(true, 1);
        INDArray crossEntropy = Transforms.log(sumExp, true).subi(labelLogit);
        double loss = weightSum > 0 ? crossEntropy.mul(w).sumNumber().doubleValue() / weightSum : 0.0;

        INDArray probs = shifted.diviColumnVector(sumExp);
        ScatterSub oneHot = new ScatterSub(flat, index, Nd4j.ones(dtype, rows));
        oneHot.addOutputArgument(flat); // in place: without an output the op writes a copy
        Nd4j.exec(oneHot);
        probs.muliColumnVector(w.mul(weightSum > 0 ? 1.0 / weightSum : 0.0));
        return loss;
    }

    /** Per-sequence weighted mean cross-entropy {@code [batch]}, from the forward logits (left unchanged). */
    INDArray perSequenceLoss(int[] labels, INDArray weights) {
        int vocab = c.vocabSize();
        INDArray w = weights == null ? Nd4j.ones(dtype, batch, time) : weights.reshape('c', batch, time).castTo(dtype);
        long[] flatIndex = new long[rows];
        for (int r = 0; r < rows; r++) {
            flatIndex[r] = (long) r * vocab + labels[r];
        }
        INDArray max = logits.max(true, 1);
        INDArray shifted = logits.subColumnVector(max);
        INDArray labelLogit = Nd4j.exec(new Gather(shifted.reshape('c', new long[] {(long) rows * vocab}),
                Nd4j.createFromArray(flatIndex), 0))[0].reshape('c', batch, time);
        INDArray logSumExp = Transforms.log(Transforms.exp(shifted, false).sum(true, 1), false)
                .reshape('c', batch, time);
        INDArray weighted = logSumExp.subi(labelLogit).muli(w).sum(1);
        INDArray count = w.sum(1);
        return weighted.divi(Transforms.max(count, 1e-30, false));
    }

    /** Backpropagates dLoss/dLogits (left in the logits by {@link #lossAndLogitGradient}) into {@code grads}. */
    void backward(DecoderTensors grads) {
        INDArray dLogits = logits;
        INDArray dFinal = Nd4j.gemm(dLogits, p.embed, false, false);
        Kernels.linearWeightGrad(dLogits, finalNorm.y(), grads.embed);
        INDArray dx = Kernels.rmsNormBackward(dFinal, finalNorm, p.finalNorm, grads.finalNorm);
        for (int i = p.blocks.size() - 1; i >= 0; i--) {
            dx = blockBackward(dx, p.blocks.get(i), grads.blocks.get(i), saved.get(i));
        }
        dx.muli(Math.sqrt(c.hiddenSize()));
        INDArray segments = Nd4j.createFromArray(ids);
        INDArray dEmbed = Nd4j.exec(new UnsortedSegmentSum(dx, segments, c.vocabSize()))[0];
        grads.embed.addi(dEmbed);
    }

    private INDArray blockBackward(INDArray dx, DecoderTensors.Block b, DecoderTensors.Block g, BlockActivations s) {
        // MLP: x += down(gelu(gate(a2)) * up(a2))
        INDArray dHidden = Nd4j.gemm(dx, b.down(), false, false);
        Kernels.linearWeightGrad(dx, s.hidden(), g.down());
        INDArray dUp = dHidden.mul(s.gateGelu());
        INDArray dGate = Kernels.geluTanhBackwardInPlace(dHidden.muli(s.up()), s.gate(), s.gateTanh());
        Kernels.linearWeightGrad(dGate, s.mlpNorm().y(), g.gate());
        Kernels.linearWeightGrad(dUp, s.mlpNorm().y(), g.up());
        INDArray dMlpIn = Nd4j.gemm(dGate, b.gate(), false, false);
        Kernels.linearInputGrad(dUp, b.up(), dMlpIn, true);
        dx.addi(Kernels.rmsNormBackward(dMlpIn, s.mlpNorm(), b.postNorm(), g.postNorm()));

        // attention: x += o(softmax(q k^T + causal) v)
        INDArray dAttention = Nd4j.gemm(dx, b.o(), false, false);
        Kernels.linearWeightGrad(dx, s.attention(), g.o());
        INDArray dOut = toHeads(dAttention, groups).reshape('c', (long) batch * c.numKeyValueHeads(),
                (long) groups * time, c.headDim());
        INDArray dProbs = Nd4j.matmul(dOut, s.values(), false, true, false);
        INDArray dValues = Nd4j.matmul(s.probs(), dOut, true, false, false);
        INDArray dScores = Kernels.softmaxBackwardInPlace(dProbs, s.probs());
        INDArray dQueries = Nd4j.matmul(dScores, s.keys());
        INDArray dKeys = Nd4j.matmul(dScores, s.queries(), true, false, false);
        dQueries = Kernels.ropeBackward(dQueries.reshape('c', (long) batch * c.numAttentionHeads(), time,
                c.headDim()), cosQ, sinQ);
        dKeys = Kernels.ropeBackward(dKeys, cosK, sinK);

        INDArray dq = fromHeads(dQueries, groups);
        INDArray dk = fromHeads(dKeys, 1);
        INDArray dv = fromHeads(dValues, 1);
        INDArray a = s.attnNorm().y();
        Kernels.linearWeightGrad(dq, a, g.q());
        Kernels.linearWeightGrad(dk, a, g.k());
        Kernels.linearWeightGrad(dv, a, g.v());
        INDArray dAttnIn = Nd4j.gemm(dq, b.q(), false, false);
        Kernels.linearInputGrad(dk, b.k(), dAttnIn, true);
        Kernels.linearInputGrad(dv, b.v(), dAttnIn, true);
        dx.addi(Kernels.rmsNormBackward(dAttnIn, s.attnNorm(), b.inputNorm(), g.inputNorm()));
        return dx;
    }

    /**
     * {@code [B*T, KV*heads*hd]} (row-major projection output) to {@code [B*KV*heads, T, hd]}, head {@code h} of
     * group {@code kv} being query head {@code kv*heads + h} (repeat_interleave order of gemma_pytorch).
     */
    private INDArray toHeads(INDArray projected, int headsPerKv) {
        int kv = c.numKeyValueHeads();
        return projected.reshape('c', batch, time, kv, headsPerKv, c.headDim())
                .permute(0, 2, 3, 1, 4).dup('c')
                .reshape('c', (long) batch * kv * headsPerKv, time, c.headDim());
    }

    /** Inverse of {@link #toHeads}: any array holding {@code [B, KV, heads, T, hd]} to {@code [B*T, KV*heads*hd]}. */
    private INDArray fromHeads(INDArray heads, int headsPerKv) {
        int kv = c.numKeyValueHeads();
        return heads.reshape('c', batch, kv, headsPerKv, time, c.headDim())
                .permute(0, 3, 1, 2, 4).dup('c')
                .reshape('c', rows, (long) kv * headsPerKv * c.headDim());
    }

    /** Additive causal mask {@code [T, T]}: query {@code t} may see keys {@code 0..t}. */
    static INDArray causalMask(int time, DataType dtype) {
        return CAUSAL_MASKS.computeIfAbsent(time + ":" + dtype, key -> {
            double[][] mask = new double[time][time];
            for (int r = 0; r < time; r++) {
                for (int s = r + 1; s < time; s++) {
                    mask[r][s] = MASKED;
                }
            }
            try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                return Nd4j.create(mask).castTo(dtype);
            }
        });
    }
}
