package io.gemmaspark.model.generation;

/**
 * The KV-cache memory budget, counted in blocks of {@code blockSize} token positions (every layer's keys and values
 * for those positions). Sequences take blocks as their caches grow and give them back when they finish or are
 * preempted; a request that cannot get blocks waits instead of failing. Only the scheduler thread takes and gives
 * blocks; others may read the counts.
 */
public final class KvBlockPool {
    private final int blockSize;
    private final int totalBlocks;
    private volatile int freeBlocks;   // written by the scheduler thread only; read by stats()

    public KvBlockPool(int blockSize, int totalBlocks) {
        if (blockSize < 1 || totalBlocks < 1) {
            throw new IllegalArgumentException("need block_size >= 1 and at least one block, got " + blockSize + " and "
                    + totalBlocks);
        }
        this.blockSize = blockSize;
        this.totalBlocks = totalBlocks;
        this.freeBlocks = totalBlocks;
    }

    /** Keys and values of one position in every layer, float32. */
    public static long bytesPerPosition(io.gemmaspark.model.GemmaConfig config) {
        return 2L * config.numHiddenLayers() * config.kvWidth() * Float.BYTES;
    }

    public int blockSize() {
        return blockSize;
    }

    public int totalBlocks() {
        return totalBlocks;
    }

    public int freeBlocks() {
        return freeBlocks;
    }

    /** Blocks needed to hold {@code positions} token positions. */
    public int blocksFor(int positions) {
        return (positions + blockSize - 1) / blockSize;
    }

    /** Takes {@code blocks} if that many are free. */
    boolean tryTake(int blocks) {
        if (blocks > freeBlocks) {
            return false;
        }
        freeBlocks -= blocks;
        return true;
    }

    void give(int blocks) {
        freeBlocks += blocks;
        if (freeBlocks > totalBlocks) {
            throw new IllegalStateException("KV blocks returned twice: " + freeBlocks + " free of " + totalBlocks);
        }
    }
}
