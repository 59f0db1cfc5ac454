package io.gemmaspark.model.decoder;

import io.gemmaspark.model.GemmaConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scatter.ScatterAdd;
import org.nd4j.linalg.api.ops.impl.scatter.ScatterSub;
import org.nd4j.linalg.api.ops.impl.shape.Gather;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * One forward pass of the decoder over a {@code [batch, T]} block of token ids at positions {@code 0..T-1}, keeping
 * what the backward pass needs (the llm.c approach: explicit activations, hand-written gradients). The blocks are
 * {@link DecoderBlock}s.
 *
 * <p>With activation recomputation the forward pass keeps only each block's input; the backward pass runs one
 * block's forward again just before its backward, so at most one block's activations are alive at a time.
 */
final class DecoderPass {
    private static final double MASKED = -1e9;
    private static final Map<String, INDArray> CAUSAL_MASKS = new ConcurrentHashMap<>();
    /** One block's recomputed activations and backward temporaries, released before the next block's. */
    private static final WorkspaceConfiguration BLOCK_WORKSPACE = WorkspaceConfiguration.builder()
            .policyAllocation(AllocationPolicy.OVERALLOCATE).overallocationLimit(0.1)
            .policyLearning(LearningPolicy.FIRST_LOOP).policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.REALLOCATE).build();

    private final GemmaConfig c;
    private final DecoderTensors p;
    private final int batch;
    private final int time;
    private final int rows;
    private final int[] ids;
    private final DataType dtype;
    private final boolean recompute;
    private final DecoderBlock block;
    private final DecoderBlock.Positions positions;

    /** Per block: its activations (null when recomputing) and, when recomputing, its input. */
    private final List<DecoderBlock.Activations> saved = new ArrayList<>();
    private final List<INDArray> blockInputs = new ArrayList<>();
    private Kernels.Rms finalNorm;
    private INDArray logits;

    DecoderPass(GemmaConfig config, DecoderTensors params, int[] ids, int batch, int time) {
        this(config, params, ids, batch, time, false, null);
    }

    /**
     * @param segments  {@code [batch*T]} segment id of every position (packed rows: 1, 2, ... per conversation, 0
     *                  for padding), or {@code null} for one sequence per row. With segments, attention is
     *                  causal within a segment only (block-diagonal) and RoPE positions restart at 0 at each
     *                  segment, so each packed conversation is computed exactly as if alone.
     */
    DecoderPass(GemmaConfig config, DecoderTensors params, int[] ids, int batch, int time, boolean recompute,
            int[] segments) {
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
        this.recompute = recompute;
        this.block = new DecoderBlock(config);
        this.positions = segments == null ? wholeRows() : SegmentPositions.of(config, dtype, batch, time, segments);
    }

    /** Positions {@code 0..T-1} in every row, causal attention over the whole row. */
    private DecoderBlock.Positions wholeRows() {
        INDArray[] q = RotaryTables.prefix(c.headDim(), c.ropeTheta(), dtype, Math.pow(c.headDim(), -0.5), time);
        INDArray[] k = RotaryTables.prefix(c.headDim(), c.ropeTheta(), dtype, 1.0, time);
        return new DecoderBlock.Positions(batch, time, q[0], q[1], k[0], k[1], causalMask(time, dtype));
    }

    /** Logits {@code [batch*T, vocab]} (row {@code b*T + t}); activations are kept for {@link #backward}. */
    INDArray forward() {
        logits = Kernels.linear(forwardHidden(), p.embed);
        return logits;
    }

    /**
     * The final-norm hidden states {@code [batch*T, hidden]} (what the tied output embedding, or a reward head,
     * reads); activations are kept for {@link #backwardFromHidden}.
     */
    INDArray forwardHidden() {
        INDArray x = Kernels.embedRows(p.embed, ids);
        for (DecoderTensors.Block w : p.blocks) {
            if (recompute) {
                blockInputs.add(x.dup());
                saved.add(null);
                try (MemoryWorkspace ignored = blockWorkspace()) {
                    block.forward(x, w, positions, DecoderBlock.KeyValues.SELF, false);
                }
            } else {
                saved.add(block.forward(x, w, positions, DecoderBlock.KeyValues.SELF, true));
            }
        }
        finalNorm = Kernels.rmsNorm(x, p.finalNorm, c.rmsNormEps());
        return finalNorm.y();
    }

    /**
     * Weighted mean cross-entropy {@code sum(w * ce) / sum(|w|)}, turning the logits into dLoss/dLogits in place.
     * For the usual non-negative weights (padding and prompt masks) this is {@code sum(w * ce) / sum(w)}; policy
     * gradients (RLHF) pass advantages as weights, which may be negative, hence the absolute values.
     *
     * @param weights per-row weights {@code [rows]}, or {@code null} for all ones
     */
    double lossAndLogitGradient(int[] labels, INDArray weights) {
        int vocab = c.vocabSize();
        INDArray w = weights == null ? Nd4j.ones(dtype, rows, 1) : weights.reshape('c', rows, 1).castTo(dtype);
        double weightSum = Transforms.abs(w, true).sumNumber().doubleValue();

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
        backwardFromFinalNorm(dFinal, grads);
    }

    /**
     * Backpropagates {@code dHidden}, dLoss/d the final-norm output {@code [batch*T, hidden]} (from a head other
     * than the tied output embedding), into {@code grads}; the embedding gradient is the input lookup's alone.
     */
    void backwardFromHidden(INDArray dHidden, DecoderTensors grads) {
        grads.embed.assign(0);
        backwardFromFinalNorm(dHidden, grads);
    }

    private void backwardFromFinalNorm(INDArray dFinal, DecoderTensors grads) {
        INDArray dx = Kernels.rmsNormBackward(dFinal, finalNorm, p.finalNorm, grads.finalNorm);
        for (int i = p.blocks.size() - 1; i >= 0; i--) {
            dx = blockBackward(i, dx, grads.blocks.get(i));
        }
        dx.muli(Math.sqrt(c.hiddenSize()));
        // Added row by row into the tied embedding's gradient: a [vocab, d] temporary would cost as much as the
        // embedding itself (2 GB for the 2B).
        ScatterAdd scatter = new ScatterAdd(grads.embed, Nd4j.createFromArray(ids), dx);
        scatter.addOutputArgument(grads.embed);
        Nd4j.exec(scatter);
    }

    /**
     * Block {@code i}'s backward (after its forward again from the saved input, when recomputing), in a workspace
     * of its own: its temporaries, and the recomputed activations, are freed before the next block's; only
     * dLoss/d input (in {@code dx}'s buffer) leaves.
     */
    private INDArray blockBackward(int i, INDArray dx, DecoderTensors.Block g) {
        DecoderTensors.Block w = p.blocks.get(i);
        try (MemoryWorkspace ws = blockWorkspace()) {
            DecoderBlock.Activations s = saved.get(i);
            if (recompute) {
                s = block.forward(blockInputs.get(i), w, positions, DecoderBlock.KeyValues.SELF, true);
                blockInputs.set(i, null);
            }
            INDArray dInput = block.backward(dx, w, g, positions, s);
            saved.set(i, null);
            return ws.getParentWorkspace() == null ? dInput.detach() : dInput.leverage();
        }
    }

    /** Scratch memory for one block at a time (the residual stream {@code x} is updated in place outside it). */
    private MemoryWorkspace blockWorkspace() {
        return Nd4j.getWorkspaceManager().getAndActivateWorkspace(BLOCK_WORKSPACE, "gemma-decoder-block");
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
