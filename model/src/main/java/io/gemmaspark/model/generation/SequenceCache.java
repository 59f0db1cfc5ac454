package io.gemmaspark.model.generation;

import io.gemmaspark.model.GemmaConfig;
import io.gemmaspark.model.decoder.HostKernels;
import io.gemmaspark.model.decoder.Kernels;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One sequence's keys and values: per layer an array of {@code kvHeads x capacity x headDim} whose first
 * {@link #length()} positions are filled. A decode step writes one position per layer and attention reads the
 * filled prefix in place, copying nothing.
 *
 * <p>Where the arrays live depends on the backend. On the CPU with float32 they are heap arrays
 * ({@link #hostKeys}), which {@link io.gemmaspark.model.decoder.HostKernels#attendNewPositions} reads directly.
 * Elsewhere (CUDA) they are ND4J arrays outside every workspace, read as views ({@link #keys}) and closed at
 * {@link #release}, so off-heap memory stays flat.
 *
 * <p>Capacity is counted in {@link KvBlockPool} blocks and grows by doubling (capped at the sequence's most
 * positions), so the old contents are copied at most log2(context / block) times in a sequence's life, never per
 * step.
 */
final class SequenceCache {
    private final GemmaConfig config;
    private final DataType dtype;
    private final KvBlockPool pool;
    private final int maxPositions;
    private final boolean onHost;
    private final INDArray[] keys;
    private final INDArray[] values;
    private final float[][] hostKeys;
    private final float[][] hostValues;
    private int heldBlocks;
    private int capacity;
    private int length;

    SequenceCache(GemmaConfig config, DataType dtype, KvBlockPool pool, int maxPositions) {
        this.config = config;
        this.dtype = dtype;
        this.pool = pool;
        this.maxPositions = maxPositions;
        this.onHost = Kernels.onHost(dtype);
        this.keys = new INDArray[config.numHiddenLayers()];
        this.values = new INDArray[config.numHiddenLayers()];
        this.hostKeys = new float[config.numHiddenLayers()][];
        this.hostValues = new float[config.numHiddenLayers()][];
    }

    /** Whether the arrays are on the heap ({@link #hostKeys}) rather than ND4J arrays ({@link #keys}). */
    boolean onHost() {
        return onHost;
    }

    /** Positions each layer's arrays have room for. */
    int capacity() {
        return capacity;
    }

    /** Floats between one dimension's keys and the next in {@link #hostKeys}: the capacity, padded. */
    int keyStride() {
        return HostKernels.keyStride(capacity);
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
        if (onHost) {
            int kv = config.numKeyValueHeads();
            int hd = config.headDim();
            for (int l = 0; l < hostKeys.length; l++) {
                // [kvHeads, headDim, keyStride] and [kvHeads, capacity, headDim]
                hostKeys[l] = grow(hostKeys[l], kv * hd, keyStride(), HostKernels.keyStride(newCapacity), length);
                hostValues[l] = grow(hostValues[l], kv, capacity * hd, newCapacity * hd, length * hd);
            }
        } else {
            try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                for (int l = 0; l < keys.length; l++) {
                    keys[l] = grow(keys[l], newCapacity);
                    values[l] = grow(values[l], newCapacity);
                }
            }
        }
        capacity = newCapacity;
    }

    /**
     * A heap array of {@code rows} rows {@code stride} floats apart regrown to rows {@code newStride} apart: the first
     * {@code filled} floats of each row (the filled positions) move.
     */
    private static float[] grow(float[] old, int rows, int stride, int newStride, int filled) {
        float[] fresh = new float[rows * newStride];
        for (int r = 0; old != null && r < rows; r++) {
            System.arraycopy(old, r * stride, fresh, r * newStride, filled);
        }
        return fresh;
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

    /**
     * Writes keys and values {@code [kvHeads, n, headDim]} of layer {@code layer} at positions length..length+n-1
     * (ND4J arrays; on the heap the attention kernel writes them).
     */
    void write(int layer, INDArray k, INDArray v) {
        int n = (int) k.size(1);
        positions(keys[layer], length, length + n).assign(k);
        positions(values[layer], length, length + n).assign(v);
    }

    /**
     * The heap key array of layer {@code layer} (on the CPU backend), {@code [kvHeads, headDim, keyStride]}: stored
     * dimension by dimension, as {@link io.gemmaspark.model.decoder.HostKernels.DecodeRow} reads it.
     */
    float[] hostKeys(int layer) {
        return hostKeys[layer];
    }

    /** The heap value array {@code [kvHeads, capacity, headDim]} of layer {@code layer}. */
    float[] hostValues(int layer) {
        return hostValues[layer];
    }

    /**
     * Keys of layer {@code layer} for positions {@code 0..upTo-1}, a view {@code [kvHeads, upTo, headDim]} (ND4J
     * arrays).
     */
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
            hostKeys[l] = null;
            hostValues[l] = null;
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
