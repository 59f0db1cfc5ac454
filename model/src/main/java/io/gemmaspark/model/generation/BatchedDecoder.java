package io.gemmaspark.model.generation;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

import io.gemmaspark.model.GemmaConfig;
import io.gemmaspark.model.decoder.BlockKernels;
import io.gemmaspark.model.decoder.DecoderBlock;
import io.gemmaspark.model.decoder.DecoderTensors;
import io.gemmaspark.model.decoder.HostKernels;
import io.gemmaspark.model.decoder.Kernels;
import io.gemmaspark.model.decoder.PanelKernel;
import io.gemmaspark.model.decoder.RotaryTables;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One decoder pass over the tokens of many sequences at once, each continuing its own KV cache: decode steps
 * (one token) and prefill chunks (several) of different sequences share the pass.
 *
 * <p>The block is {@link DecoderBlock}, as in training: every linear layer is one matrix product over all rows of
 * the step, so the weights are read once per step however many sequences advance. Only attention is per sequence:
 * its queries against its own cache's filled prefix, read in place.
 */
public final class BatchedDecoder {
    private static final float MASKED = -1e9f;

    private final GemmaConfig c;
    private final DecoderTensors p;
    private final DataType dtype;
    private final DecoderBlock block;
    private final BlockKernels kernels;
    private final String workspaceId = "gemma-batched-" + System.identityHashCode(this);
    /** Logit rows reused from step to step, grown to the most a step has wanted. */
    private float[][] logitRows = new float[0][];

    /**
     * @param packedWeightBytes heap the decode products may take for packed copies of the weights
     *                          ({@link BlockKernels#forDecoding}); a model whose copies need more, or 0, decodes
     *                          from the weights as given. The weights must not change while this decoder is used.
     */
    public BatchedDecoder(GemmaConfig config, DecoderTensors params, long packedWeightBytes) {
        this(config, params, BlockKernels.forDecoding(params, packedWeightBytes));
    }

    /** As above, with the packed copies laid out for {@code kernel} (benchmarks compare the two). */
    public BatchedDecoder(GemmaConfig config, DecoderTensors params, long packedWeightBytes, PanelKernel kernel) {
        this(config, params, BlockKernels.forDecoding(params, packedWeightBytes, kernel));
    }

    private BatchedDecoder(GemmaConfig config, DecoderTensors params, BlockKernels kernels) {
        this.c = config;
        this.p = params;
        this.dtype = params.embed.dataType();
        this.block = new DecoderBlock(config);
        this.kernels = kernels;
    }

    /** Whether the decode products run from packed copies of the weights. */
    public boolean packedWeights() {
        return kernels.packed();
    }

    /** The kernel that multiplies the packed copies, or null when the weights are used as given. */
    public PanelKernel panelKernel() {
        return kernels.panelKernel();
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
     * @return next-token logits, one row per slice with {@code wantLogits}, in slice order; the rows are this
     *         decoder's and are overwritten by its next step
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
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager()
                .getAndActivateWorkspace(DecodeStepWorkspace.CONFIG, workspaceId)) {
            logits = forward(slices, ids, positions, lastRows);
        }
        for (Slice s : slices) {
            s.cache().advance(s.tokens().length);
        }
        return logits;
    }

    /**
     * The step's rows form one packed sequence ({@code B = 1, S = rows}) for {@link DecoderBlock}: every linear layer
     * is one product over all rows, and attention is {@link RaggedAttention}, each sequence over its own cache.
     * Returns the next-token logits after {@code lastRows}, as heap rows.
     */
    private float[][] forward(List<Slice> slices, int[] ids, int[] positions, int[] lastRows) {
        int hd = c.headDim();
        int rows = ids.length;
        INDArray[] qRope = RotaryTables.rows(hd, c.ropeTheta(), dtype, Math.pow(hd, -0.5), positions);
        INDArray[] kRope = RotaryTables.rows(hd, c.ropeTheta(), dtype, 1.0, positions);
        DecoderBlock.Positions at = new DecoderBlock.Positions(1, rows, qRope[0].reshape('c', 1, 1, rows, hd),
                qRope[1].reshape('c', 1, 1, rows, hd), kRope[0].reshape('c', 1, 1, rows, hd),
                kRope[1].reshape('c', 1, 1, rows, hd), null);

        INDArray x = Kernels.embedRows(p.embed, ids);
        for (int layer = 0; layer < p.blocks.size(); layer++) {
            block.forward(x, p.blocks.get(layer), at, new RaggedAttention(layer, slices, rows), kernels);
        }
        if (lastRows.length == 0) {
            return new float[0][];
        }
        INDArray last = lastRows.length == rows ? x : Kernels.gatherRows(x, lastRows);
        float[][] logits = logitRows(lastRows.length);
        kernels.linearRows(Kernels.rmsNorm(last, p.finalNorm, c.rmsNormEps(), false).y(), p.embed, logits);
        return logits;
    }

    /** The first {@code count} of the reused logit rows, growing them as needed. */
    private float[][] logitRows(int count) {
        if (logitRows.length < count) {
            float[][] grown = Arrays.copyOf(logitRows, count);
            for (int r = logitRows.length; r < count; r++) {
                grown[r] = new float[(int) p.embed.rows()];
            }
            logitRows = grown;
        }
        return Arrays.copyOf(logitRows, count);
    }

    /**
     * Causal attention of each sequence's new rows over its own cache plus themselves. The block hands queries as
     * {@code [KV, g*rows, hd]}, that is {@code [KV, g, rows, hd]} (query head {@code kv*g + h} uses key/value head
     * {@code kv}), and takes the output back in that layout. On the CPU every row, a decode step's or a prefill
     * chunk's, is attended over its cache on the heap in one call ({@link HostKernels#attendNewPositions}); elsewhere
     * each sequence's rows go through batched products with a causal mask.
     */
    private final class RaggedAttention implements DecoderBlock.Attention {
        private final int layer;
        private final List<Slice> slices;
        private final int rows;

        RaggedAttention(int layer, List<Slice> slices, int rows) {
            this.layer = layer;
            this.slices = slices;
            this.rows = rows;
        }

        @Override
        public INDArray attend(INDArray queries, INDArray newKeys, INDArray newValues) {
            int kv = c.numKeyValueHeads();
            int groups = c.numAttentionHeads() / kv;
            int hd = c.headDim();
            INDArray byHead = queries.reshape('c', kv, groups, rows, hd);
            INDArray out = Nd4j.createUninitialized(dtype, kv, groups, rows, hd);
            boolean hostMemory = Kernels.onHost(byHead, newKeys, newValues, out);
            List<HostKernels.DecodeRow> onHeap = new ArrayList<>();
            int from = 0;
            for (Slice s : slices) {
                int n = s.tokens().length;
                SequenceCache cache = s.cache();
                if (hostMemory && cache.onHost()) {
                    for (int j = 0; j < n; j++) {
                        onHeap.add(new HostKernels.DecodeRow(from + j, cache.hostKeys(layer), cache.keyStride(),
                                cache.hostValues(layer), cache.capacity(), cache.length() + j + 1));
                    }
                } else {
                    attendChunk(byHead, newKeys, newValues, out, from, n, cache);
                }
                from += n;
            }
            HostKernels.attendNewPositions(byHead, newKeys, newValues, out, rows, onHeap);
            return out.reshape('c', kv, (long) groups * rows, hd);
        }

        /** Rows {@code from .. from+n} of one sequence, through batched products over its cache. */
        private void attendChunk(INDArray byHead, INDArray newKeys, INDArray newValues, INDArray out, int from,
                int n, SequenceCache cache) {
            int kv = c.numKeyValueHeads();
            int groups = c.numAttentionHeads() / kv;
            int start = cache.length();
            int total = start + n;
            cache.write(layer, newKeys.get(all(), interval(from, from + n), all()),
                    newValues.get(all(), interval(from, from + n), all()));
            INDArray q = byHead.get(all(), all(), interval(from, from + n), all()).dup('c')
                    .reshape('c', kv, (long) groups * n, c.headDim());
            INDArray scores = Nd4j.matmul(q, cache.keys(layer, total), false, true, false);
            if (n > 1) {
                INDArray perHead = scores.reshape('c', (long) kv * groups, n, total);
                Nd4j.exec(new AddOp(perHead, chunkMask(start, n), perHead));
            }
            Kernels.softmaxInPlace(scores);
            out.get(all(), all(), interval(from, from + n), all()).assign(
                    Nd4j.matmul(scores, cache.values(layer, total)).reshape('c', kv, groups, n, c.headDim()));
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

}
