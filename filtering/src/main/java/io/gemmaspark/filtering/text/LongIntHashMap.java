package io.gemmaspark.filtering.text;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Open-addressing map from 64-bit hashes to int counts, without boxing. Counting n-grams of every document
 * is the hottest loop of the repetition filter; a HashMap&lt;Long,Integer&gt; there costs several times more.
 * Keys are already well-mixed hashes, so the low bits index directly. Key 0 is remapped internally.
 */
public final class LongIntHashMap implements Serializable {
    private static final long EMPTY = 0L;
    private static final long ZERO_KEY = 0x61c8864680b583ebL;
    private long[] keys;
    private int[] values;
    private int size;
    private int mask;

    public LongIntHashMap(int expected) {
        int capacity = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
        keys = new long[capacity];
        values = new int[capacity];
        mask = capacity - 1;
    }

    /** Adds one to the count of {@code key} and returns the new count. */
    public int increment(long key) {
        long k = key == EMPTY ? ZERO_KEY : key;
        int slot = slot(k);
        if (keys[slot] == EMPTY) {
            keys[slot] = k;
            values[slot] = 1;
            if (++size * 2 > keys.length) {
                grow();
            }
            return 1;
        }
        return ++values[slot];
    }

    public int get(long key) {
        long k = key == EMPTY ? ZERO_KEY : key;
        int slot = slot(k);
        return keys[slot] == EMPTY ? 0 : values[slot];
    }

    public boolean contains(long key) {
        return get(key) > 0;
    }

    public int size() {
        return size;
    }

    public void clear() {
        Arrays.fill(keys, EMPTY);
        size = 0;
    }

    private int slot(long k) {
        int slot = (int) (k ^ (k >>> 32)) & mask;
        while (keys[slot] != EMPTY && keys[slot] != k) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new int[oldKeys.length * 2];
        mask = keys.length - 1;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) {
                int slot = slot(oldKeys[i]);
                keys[slot] = oldKeys[i];
                values[slot] = oldValues[i];
            }
        }
    }
}
