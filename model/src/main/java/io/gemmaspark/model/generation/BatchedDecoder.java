package io.gemmaspark.model.generation;

import io.gemmaspark.model.GemmaConfig;
import io.gemmaspark.model.decoder.DecoderTensors;
import io.gemmaspark.model.decoder.Kernels;
import io.gemmaspark.model.decoder.RotaryTables;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One decoder pass over the tokens of many sequences at once, each continuing its own KV cache: decode steps
 * (one token) and prefill chunks (several) of different sequences share the pass.
 *
 * <p>Every linear layer is one matrix product over all rows of the step, so the weights are read once per step
 * however many sequences advance. Only attention is per sequence: its queries against its own cache's filled
 * prefix, read in place.
 */
public final class BatchedDecoder {
    private static final float MASKED = -1e9f;
    private static final WorkspaceConfiguration STEP_WORKSPACE = WorkspaceConfiguration.builder()
            .policyAllocation(AllocationPolicy.OVERALLOCATE).overallocationLimit(0.2)
            .policyLearning(LearningPolicy.FIRST_LOOP).policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.REALLOCATE).build();

    private final GemmaConfig c;
    private final DecoderTensors p;
    private final DataType dtype;
    private final String workspaceId = "gemma-batched-" + System.identityHashCode(this);

    public BatchedDecoder(GemmaConfig config, DecoderTensors params) {
        this.c = config;
        this.p = params;
        this.dtype = params.embed.dataType();
    }

    public GemmaConfig config() {
        return c;
    }

    DataType dtype() {
        return dtype;
    }

    /**
     * The tokens one sequence feeds in this step.
     *
     * @param cache      the sequence's cache; the tokens go at positions {@code cache.length()} onwards
     * @param tokens     one token (decode) or a prefill chunk
     * @param wantLogits whether the next-token logits after the last of these tokens are needed
     */
    record Slice(SequenceCache cache, int[] tokens, boolean wantLogits) {}

    /**
     * Runs the step, advancing every slice's cache by its tokens (room must have been reserved).
     *
     * @return next-token logits, one row per slice with {@code wantLogits}, in slice order
     */
    float[][] step(List<Slice> slices) {
        int rows = 0;
        int logitRows = 0;
        for (Slice s : slices) {
            rows += s.tokens().length;
            logitRows += s.wantLogits() ? 1 : 0;
        }
        int[] ids = new int[rows];
        int[] positions = new int[rows];
        int[] lastRows = new int[logitRows];
        int r = 0;
        int l = 0;
        for (Slice s : slices) {
            for (int j = 0; j < s.tokens().length; j++) {
                ids[r] = s.tokens()[j];
                positions[r] = s.cache().length() + j;
                r++;
            }
            if (s.wantLogits()) {
                lastRows[l++] = r - 1;
            }
        }
        float[][] logits;
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(STEP_WORKSPACE, workspaceId)) {
            INDArray out = forward(slices, ids, positions, lastRows);
            logits = out == null ? new float[0][] : out.castTo(DataType.FLOAT).toFloatMatrix();
        }
        for (Slice s : slices) {
            s.cache().advance(s.tokens().length);
        }
        return logits;
    }

    private INDArray forward(List<Slice> slices, int[] ids, int[] positions, int[] lastRows) {
        int hd = c.headDim();
        int heads = c.numAttentionHeads();
        int kv = c.numKeyValueHeads();
        int rows = ids.length;
        INDArray[] qRope = RotaryTables.rows(hd, c.ropeTheta(), dtype, Math.pow(hd, -0.5), positions);
        INDArray[] kRope = RotaryTables.rows(hd, c.ropeTheta(), dtype, 1.0, positions);
        INDArray cosQ = qRope[0].reshape('c', rows, 1, hd);
        INDArray sinQ = qRope[1].reshape('c', rows, 1, hd);
        INDArray cosK = kRope[0].reshape('c', rows, 1, hd);
        INDArray sinK = kRope[1].reshape('c', rows, 1, hd);

        INDArray x = Nd4j.pullRows(p.embed, 1, ids).muli(Math.sqrt(c.hiddenSize()));
        for (int layer = 0; layer < p.blocks.size(); layer++) {
            DecoderTensors.Block w = p.blocks.get(layer);
            INDArray a = Kernels.rmsNorm(x, w.inputNorm(), c.rmsNormEps()).y();
            INDArray q = Kernels.rope(Kernels.linear(a, w.q()).reshape('c', rows, heads, hd), cosQ, sinQ);
            INDArray k = Kernels.rope(Kernels.linear(a, w.k()).reshape('c', rows, kv, hd), cosK, sinK);
            INDArray v = Kernels.linear(a, w.v()).reshape('c', rows, kv, hd);
            INDArray attention = Nd4j.createUninitialized(dtype, rows, (long) heads * hd);
            int from = 0;
            for (Slice s : slices) {
                int n = s.tokens().length;
                attend(layer, s.cache(), rowRange(q, from, n), rowRange(k, from, n), rowRange(v, from, n),
                        attention.get(NDArrayIndex.interval(from, from + n), NDArrayIndex.all()));
                from += n;
            }
            x.addi(Kernels.linear(attention, w.o()));

            INDArray a2 = Kernels.rmsNorm(x, w.postNorm(), c.rmsNormEps()).y();
            INDArray gate = Kernels.linear(a2, w.gate());
            INDArray hidden = Kernels.geluTanh(gate, Kernels.geluTanhInner(gate)).muli(Kernels.linear(a2, w.up()));
            x.addi(Kernels.linear(hidden, w.down()));
        }
        if (lastRows.length == 0) {
            return null;
        }
        INDArray last = lastRows.length == rows ? x : Nd4j.pullRows(x, 1, lastRows);
        return Kernels.linear(Kernels.rmsNorm(last, p.finalNorm, c.rmsNormEps()).y(), p.embed);
    }

    /**
     * Causal attention of one sequence's {@code n} new rows over its cache plus themselves, written into
     * {@code out [n, heads*hd]}. Query head {@code kv*g + h} uses key/value head {@code kv} (gemma_pytorch's
     * order): the {@code g} query heads of a group are stacked so one batched product serves MQA, GQA and MHA.
     */
    private void attend(int layer, SequenceCache cache, INDArray q, INDArray k, INDArray v, INDArray out) {
        int n = (int) q.size(0);
        int kv = c.numKeyValueHeads();
        int groups = c.numAttentionHeads() / kv;
        int hd = c.headDim();
        int start = cache.length();
        int total = start + n;
        cache.write(layer, k.permute(1, 0, 2), v.permute(1, 0, 2));

        INDArray queries = n == 1 && kv == 1
                ? q.reshape('c', 1, groups, hd)
                : q.reshape('c', n, kv, groups, hd).permute(1, 2, 0, 3).dup('c').reshape('c', kv, (long) groups * n, hd);
        INDArray scores = Nd4j.matmul(queries, cache.keys(layer, total), false, true, false);
        if (n > 1) {
            INDArray perHead = scores.reshape('c', (long) kv * groups, n, total);
            Nd4j.exec(new AddOp(perHead, chunkMask(start, n), perHead));
        }
        Kernels.softmaxInPlace(scores);
        INDArray context = Nd4j.matmul(scores, cache.values(layer, total));
        if (n == 1 && kv == 1) {
            out.assign(context.reshape('c', 1, (long) groups * hd));
        } else {
            out.assign(context.reshape('c', kv, groups, n, hd).permute(2, 0, 1, 3).dup('c')
                    .reshape('c', n, (long) groups * kv * hd));
        }
    }

    /** Additive mask {@code [n, start+n]}: new row {@code i} sees cached positions and new rows up to itself. */
    private INDArray chunkMask(int start, int n) {
        int total = start + n;
        float[] mask = new float[n * total];
        for (int i = 0; i < n; i++) {
            for (int j = start + i + 1; j < total; j++) {
                mask[i * total + j] = MASKED;
            }
        }
        return Nd4j.create(mask, new long[] {n, total}, 'c').castTo(dtype);
    }

    private static INDArray rowRange(INDArray a, int from, int n) {
        return a.get(NDArrayIndex.interval(from, from + n), NDArrayIndex.all(), NDArrayIndex.all());
    }
}
