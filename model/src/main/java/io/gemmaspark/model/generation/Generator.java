package io.gemmaspark.model.generation;

import io.gemmaspark.model.GemmaConfig;
import io.gemmaspark.model.decoder.DecoderBlock;
import io.gemmaspark.model.decoder.DecoderTensors;
import io.gemmaspark.model.decoder.GemmaDecoder;
import io.gemmaspark.model.decoder.Kernels;
import io.gemmaspark.model.decoder.RotaryTables;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Autoregressive generation with a key/value cache over the decoder's own parameter views and
 * {@link DecoderBlock}s.
 *
 * <p>Prompts of different lengths are left-padded to a common length: each row's positions start at 0 on its
 * first real token and padded key slots are masked, so a prompt's logits do not depend on its batch mates.
 * The prompt is processed in one pass ("prefill"); each new token then costs one pass over one position per row.
 */
public final class Generator {
    private static final double MASKED = -1e9;
    private static final int PAD_ID = 0;

    private final GemmaConfig c;
    private final DecoderTensors p;
    private final DataType dtype;
    private final DecoderBlock block;
    private final String workspaceId = "gemma-generate-" + System.identityHashCode(this);

    public Generator(GemmaDecoder decoder) {
        this(decoder.config(), decoder.tensors());
    }

    public Generator(GemmaConfig config, DecoderTensors params) {
        this.c = config;
        this.p = params;
        this.dtype = params.embed.dataType();
        this.block = new DecoderBlock(config);
    }

    /** New tokens for each prompt (stop token excluded), decoded together in one batch. */
    public int[][] generate(int[][] prompts, GenerationOptions options) {
        long[] seeds = new long[prompts.length];
        Arrays.fill(seeds, options.seed());
        return generate(prompts, options, seeds);
    }

    /**
     * As {@link #generate(int[][], GenerationOptions)}, with prompt {@code b} sampled from seed {@code seeds[b]}
     * instead of {@code options.seed()}: several samples of one prompt in one batch, each reproducible from its
     * own seed.
     */
    public int[][] generate(int[][] prompts, GenerationOptions options, long[] seeds) {
        if (seeds.length != prompts.length) {
            throw new IllegalArgumentException(seeds.length + " seeds for " + prompts.length + " prompts");
        }
        Session session = start(prompts, options.maxNewTokens());
        int batch = prompts.length;
        List<List<Integer>> out = new ArrayList<>();
        Sampler[] samplers = new Sampler[batch];
        boolean[] done = new boolean[batch];
        for (int b = 0; b < batch; b++) {
            out.add(new ArrayList<>());
            samplers[b] = new Sampler(new GenerationOptions(options.maxNewTokens(), options.temperature(),
                    options.topK(), options.topP(), seeds[b], options.stopIds()));
        }
        int active = options.maxNewTokens() == 0 ? 0 : batch;
        while (active > 0) {
            float[][] logits = Kernels.toFloatRows(session.logits());
            int[] next = new int[batch];
            for (int b = 0; b < batch; b++) {
                if (done[b]) {
                    next[b] = PAD_ID;
                    continue;
                }
                next[b] = samplers[b].next(logits[b]);
                if (options.isStop(next[b])) {
                    done[b] = true;
                    active--;
                } else {
                    out.get(b).add(next[b]);
                    if (out.get(b).size() == options.maxNewTokens()) {
                        done[b] = true;
                        active--;
                    }
                }
            }
            if (active > 0) {
                session.append(next);
            }
        }
        int[][] result = new int[batch][];
        for (int b = 0; b < batch; b++) {
            result[b] = out.get(b).stream().mapToInt(Integer::intValue).toArray();
        }
        return result;
    }

    /**
     * Runs the prompts through the decoder and returns the session holding their cache and next-token logits.
     *
     * @param maxNewTokens how many tokens the cache must make room for after the prompt
     */
    public Session start(int[][] prompts, int maxNewTokens) {
        if (prompts.length == 0) {
            throw new IllegalArgumentException("no prompts");
        }
        int longest = 0;
        for (int b = 0; b < prompts.length; b++) {
            if (prompts[b].length == 0) {
                throw new IllegalArgumentException("prompt " + b + " is empty (it needs at least <bos>)");
            }
            for (int id : prompts[b]) {
                if (id < 0 || id >= c.vocabSize()) {
                    throw new IllegalArgumentException("prompt " + b + " has id " + id + " outside the vocabulary [0, "
                            + c.vocabSize() + ")");
                }
            }
            if (prompts[b].length + maxNewTokens > c.maxPositionEmbeddings()) {
                throw new IllegalArgumentException("prompt " + b + " (" + prompts[b].length + " tokens) plus "
                        + maxNewTokens + " new tokens exceeds max_position_embeddings " + c.maxPositionEmbeddings());
            }
            longest = Math.max(longest, prompts[b].length);
        }
        Session session = new Session(prompts.length, longest, longest + maxNewTokens);
        int[] ids = new int[prompts.length * longest];
        for (int b = 0; b < prompts.length; b++) {
            session.pad[b] = longest - prompts[b].length;
            Arrays.fill(ids, b * longest, b * longest + session.pad[b], PAD_ID);
            System.arraycopy(prompts[b], 0, ids, b * longest + session.pad[b], prompts[b].length);
        }
        session.step(ids, longest);
        return session;
    }

    /** The cache and position of one batch of sequences being continued. */
    public final class Session {
        private final int batch;
        private final int capacity;
        private final int[] pad;
        private final INDArray[] keys;
        private final INDArray[] values;
        private int length;
        private INDArray logits;

        private Session(int batch, int promptLength, int capacity) {
            this.batch = batch;
            this.capacity = capacity;
            this.pad = new int[batch];
            this.keys = new INDArray[c.numHiddenLayers()];
            this.values = new INDArray[c.numHiddenLayers()];
            try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                for (int l = 0; l < keys.length; l++) {
                    keys[l] = Nd4j.create(dtype, batch, c.numKeyValueHeads(), capacity, c.headDim());
                    values[l] = Nd4j.create(dtype, batch, c.numKeyValueHeads(), capacity, c.headDim());
                }
            }
        }

        /** Next-token logits {@code [batch, vocab]} for every row. */
        public INDArray logits() {
            return logits;
        }

        /** Feeds one token per row (rows that finished may take any id) and computes the following logits. */
        public void append(int[] tokens) {
            if (tokens.length != batch) {
                throw new IllegalArgumentException("expected " + batch + " tokens, got " + tokens.length);
            }
            if (length >= capacity) {
                throw new IllegalStateException("the cache is full (" + capacity + " positions)");
            }
            step(tokens, 1);
        }

        /** Positions filled so far (prompt slots including left padding, plus appended tokens). */
        public int length() {
            return length;
        }

        private void step(int[] ids, int steps) {
            try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(DecodeStepWorkspace.CONFIG, workspaceId)) {
                INDArray out = forward(ids, steps);
                logits = out.detach();
            }
            length += steps;
        }

        private INDArray forward(int[] ids, int steps) {
            int start = length;
            int total = start + steps;
            int hd = c.headDim();

            int[] positions = new int[batch * steps];
            double[][][][] mask = new double[batch][1][steps][total];
            for (int b = 0; b < batch; b++) {
                for (int s = 0; s < steps; s++) {
                    positions[b * steps + s] = Math.max(0, start + s - pad[b]);
                    for (int j = 0; j < total; j++) {
                        boolean visible = j >= pad[b] && j <= start + s;
                        mask[b][0][s][j] = visible ? 0 : MASKED;
                    }
                }
            }
            INDArray additiveMask = Nd4j.create(mask).castTo(dtype);
            INDArray[] qRope = RotaryTables.rows(hd, c.ropeTheta(), dtype, Math.pow(hd, -0.5), positions);
            INDArray[] kRope = RotaryTables.rows(hd, c.ropeTheta(), dtype, 1.0, positions);
            INDArray cosQ = qRope[0].reshape('c', batch, 1, steps, hd);
            INDArray sinQ = qRope[1].reshape('c', batch, 1, steps, hd);
            INDArray cosK = kRope[0].reshape('c', batch, 1, steps, hd);
            INDArray sinK = kRope[1].reshape('c', batch, 1, steps, hd);

            DecoderBlock.Positions at = new DecoderBlock.Positions(batch, steps, cosQ, sinQ, cosK, sinK,
                    additiveMask);
            INDArray x = Kernels.embedRows(p.embed, ids);
            for (int l = 0; l < p.blocks.size(); l++) {
                int layer = l;
                block.forward(x, p.blocks.get(l), at, (k, v) -> new INDArray[] {
                        extend(keys[layer], k, start, total), extend(values[layer], v, start, total)}, false);
            }
            int[] lastRows = new int[batch];
            for (int b = 0; b < batch; b++) {
                lastRows[b] = b * steps + steps - 1;
            }
            INDArray last = steps == 1 ? x : Kernels.gatherRows(x, lastRows);
            return Kernels.linear(Kernels.rmsNorm(last, p.finalNorm, c.rmsNormEps(), false).y(), p.embed);
        }

        /** Writes this step's {@code [B*KV, S, hd]} into the cache; returns the first {@code total} positions. */
        private INDArray extend(INDArray cache, INDArray step, int start, int total) {
            cache.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(start, total), NDArrayIndex.all())
                    .assign(step.reshape('c', batch, c.numKeyValueHeads(), total - start, c.headDim()));
            return cached(cache, total);
        }

        /**
         * The first {@code total} cached positions as {@code [B*KV, total, hd]}: a strided view of the cache
         * {@code [B, KV, capacity, hd]} (rows {@code B*KV} lie {@code capacity*hd} apart), so no step copies it.
         */
        private INDArray cached(INDArray cache, int total) {
            long hd = c.headDim();
            return Nd4j.create(cache.data(), new long[] {(long) batch * c.numKeyValueHeads(), total, hd},
                    new long[] {capacity * hd, hd, 1}, cache.offset(), 'c');
        }
    }
}
