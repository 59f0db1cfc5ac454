package io.gemmaspark.util;

import java.io.Serializable;
import java.util.Arrays;

/**
 * An open-addressing map from long keys to int values, without boxing. It serves the hottest loops of the
 * project: the tokenizer's merge table, looked up for every symbol pair it encodes, the BPE trainer's pair index,
 * and the repetition filter's n-gram counts; a {@code HashMap<Long, Integer>} there costs several times more.
 *
 * <p>Keys are mixed before indexing because symbol-pair keys ({@link #pair}) collide badly in their low bits.
 * Every long is a valid key: the one value used to mark empty slots is stored apart.
 */
public final class LongIntHashMap implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final long EMPTY = 0L;

    private long[] keys;
    private int[] values;
    /** Entries in {@link #keys}, not counting the key {@link #EMPTY}, which lives in the two fields below. */
    private int tableSize;
    private int mask;
    private boolean hasEmptyKey;
    private int emptyKeyValue;

    public LongIntHashMap(int expectedSize) {
        int capacity = Integer.highestOneBit(Math.max(4, expectedSize * 2 - 1)) << 1;
        keys = new long[capacity];
        values = new int[capacity];
        mask = capacity - 1;
    }

    /** One key for an ordered pair of ints, such as two token ids. */
    public static long pair(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    /** The value of {@code key}, or {@code missing} when the map has no such key. */
    public int get(long key, int missing) {
        if (key == EMPTY) {
            return hasEmptyKey ? emptyKeyValue : missing;
        }
        int slot = slot(key);
        return keys[slot] == EMPTY ? missing : values[slot];
    }

    /** The count stored for {@code key}, 0 when absent; for maps used as counters. */
    public int count(long key) {
        return get(key, 0);
    }

    public boolean contains(long key) {
        return key == EMPTY ? hasEmptyKey : keys[slot(key)] != EMPTY;
    }

    /** Stores {@code value}, replacing any value of the key. */
    public void put(long key, int value) {
        store(key, value, true);
    }

    /** Stores {@code value} unless the key is present; returns true when stored. */
    public boolean putIfAbsent(long key, int value) {
        return store(key, value, false);
    }

    /** Adds one to the count of {@code key} (absent counts as 0) and returns the new count. */
    public int increment(long key) {
        if (key == EMPTY) {
            emptyKeyValue = hasEmptyKey ? emptyKeyValue + 1 : 1;
            hasEmptyKey = true;
            return emptyKeyValue;
        }
        int slot = slot(key);
        if (keys[slot] != EMPTY) {
            return ++values[slot];
        }
        insertAt(slot, key, 1);
        return 1;
    }

    public int size() {
        return tableSize + (hasEmptyKey ? 1 : 0);
    }

    /** Removes every entry and keeps the capacity, so one map can be reused per document. */
    public void clear() {
        Arrays.fill(keys, EMPTY);
        tableSize = 0;
        hasEmptyKey = false;
    }

    private boolean store(long key, int value, boolean replace) {
        if (key == EMPTY) {
            boolean added = !hasEmptyKey;
            if (added || replace) {
                emptyKeyValue = value;
            }
            hasEmptyKey = true;
            return added;
        }
        int slot = slot(key);
        if (keys[slot] != EMPTY) {
            if (replace) {
                values[slot] = value;
            }
            return false;
        }
        insertAt(slot, key, value);
        return true;
    }

    private void insertAt(int slot, long key, int value) {
        keys[slot] = key;
        values[slot] = value;
        if (++tableSize * 2 > keys.length) {
            grow();
        }
    }

    /** The slot holding {@code key}, or the empty slot where it would go. */
    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        int slot = (int) (h ^ (h >>> 29)) & mask;
        while (keys[slot] != EMPTY && keys[slot] != key) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new int[keys.length];
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
