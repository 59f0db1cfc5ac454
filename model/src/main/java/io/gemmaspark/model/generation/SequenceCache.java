package io.gemmaspark.model.generation;

import io.gemmaspark.model.GemmaConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One sequence's keys and values: per layer a {@code [kvHeads, capacity, headDim]} array whose first
 * {@link #length()} positions are filled. Attention reads the filled prefix as a view, so a decode step writes one
 * position per layer and copies nothing; for the single key/value head of Gemma 2B (MQA) the view is contiguous.
 *
 * <p>Capacity is counted in {@link KvBlockPool} blocks and grows by doubling (capped at the sequence's most
 * positions), so the old contents are copied at most log2(context / block) times in a sequence's life, never per
 * step. The arrays live outside every workspace and are closed at {@link #release}, so off-heap memory stays flat.
 */
final class SequenceCache {
    private final GemmaConfig config;
    private final DataType dtype;
    private final KvBlockPool pool;
    private final int maxPositions;
    private final INDArray[] keys;
    private final INDArray[] values;
    private int heldBlocks;
    private int capacity;
    private int length;

    SequenceCache(GemmaConfig config, DataType dtype, KvBlockPool pool, int maxPositions) {
        this.config = config;
        this.dtype = dtype;
        this.pool = pool;
        this.maxPositions = maxPositions;
        this.keys = new INDArray[config.numHiddenLayers()];
        this.values = new INDArray[config.numHiddenLayers()];
    }

    /** Positions written so far; the next token goes at position {@code length()}. */
    int length() {
        return length;
    }

    int heldBlocks() {
        return heldBlocks;
    }

    /**
     * Makes room for {@code extra} more positions, taking blocks from the pool.
     *
     * @return false when the pool has too few free blocks (nothing changes then)
     */
    boolean reserve(int extra) {
        int needed = length + extra;
        if (needed > maxPositions) {
            throw new IllegalStateException("sequence would exceed its " + maxPositions + " positions");
        }
        if (needed <= capacity) {
            return true;
        }
        int grown = Math.min(roundUp(maxPositions), roundUp(Math.max(needed, 2 * capacity)));
        if (!pool.tryTake(pool.blocksFor(grown) - heldBlocks)) {
            grown = roundUp(needed);
            if (!pool.tryTake(pool.blocksFor(grown) - heldBlocks)) {
                return false;
            }
        }
        heldBlocks = pool.blocksFor(grown);
        resize(grown);
        return true;
    }

    private int roundUp(int positions) {
        return pool.blocksFor(positions) * pool.blockSize();
    }

    private void resize(int newCapacity) {
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            for (int l = 0; l < keys.length; l++) {
                keys[l] = grow(keys[l], newCapacity);
                values[l] = grow(values[l], newCapacity);
            }
        }
        capacity = newCapacity;
    }

    private INDArray grow(INDArray old, int newCapacity) {
        INDArray fresh = Nd4j.create(dtype, config.numKeyValueHeads(), newCapacity, config.headDim());
        if (old != null) {
            if (length > 0) {
                positions(fresh, 0, length).assign(positions(old, 0, length));
            }
            old.close();
        }
        return fresh;
    }

    /** Writes keys and values {@code [kvHeads, n, headDim]} of layer {@code layer} at positions length..length+n-1. */
    void write(int layer, INDArray k, INDArray v) {
        int n = (int) k.size(1);
        positions(keys[layer], length, length + n).assign(k);
        positions(values[layer], length, length + n).assign(v);
    }

    /** The whole key array {@code [kvHeads, capacity, headDim]} of layer {@code layer}, for kernels that index it. */
    INDArray keyArray(int layer) {
        return keys[layer];
    }

    INDArray valueArray(int layer) {
        return values[layer];
    }

    /** Keys of layer {@code layer} for positions {@code 0..upTo-1}, a view {@code [kvHeads, upTo, headDim]}. */
    INDArray keys(int layer, int upTo) {
        return positions(keys[layer], 0, upTo);
    }

    INDArray values(int layer, int upTo) {
        return positions(values[layer], 0, upTo);
    }

    /** Marks {@code n} positions, written into every layer, as filled. */
    void advance(int n) {
        length += n;
    }

    /** Frees the arrays and returns the blocks; the sequence starts from nothing if it is run again. */
    void release() {
        for (int l = 0; l < keys.length; l++) {
            if (keys[l] != null) {
                keys[l].close();
                values[l].close();
                keys[l] = null;
                values[l] = null;
            }
        }
        pool.give(heldBlocks);
        heldBlocks = 0;
        capacity = 0;
        length = 0;
    }

    private static INDArray positions(INDArray cache, int from, int to) {
        return cache.get(NDArrayIndex.all(), NDArrayIndex.interval(from, to), NDArrayIndex.all());
    }
}
