package io.gemmaspark.model.tokenizer;

import java.util.Arrays;

/**
 * An open-addressing map from long to int without boxing, with a mixing hash: symbol-pair keys
 * ({@code left << 32 | right}) collide badly under {@code Long.hashCode}. The encoder looks up its merge table for
 * every symbol pair; the trainer indexes its pairs with it.
 */
final class LongIntMap {
    private static final long EMPTY = Long.MIN_VALUE;
    private long[] keys;
    private int[] values;
    private int size;
    private int mask;

    LongIntMap(int expected) {
        int capacity = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
        keys = new long[capacity];
        Arrays.fill(keys, EMPTY);
        values = new int[capacity];
        mask = capacity - 1;
    }

    static long pair(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private static int slot(long key, int mask) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29)) & mask;
    }

    int get(long key, int missing) {
        for (int i = slot(key, mask); ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == key) {
                return values[i];
            }
            if (k == EMPTY) {
                return missing;
            }
        }
    }

    /** Stores {@code value} unless the key is present; returns true when stored. */
    boolean putIfAbsent(long key, int value) {
        return store(key, value, false);
    }

    /** Stores {@code value}, replacing any value of the key. */
    void put(long key, int value) {
        store(key, value, true);
    }

    private boolean store(long key, int value, boolean replace) {
        if (2 * (size + 1) > keys.length) {
            grow();
        }
        for (int i = slot(key, mask); ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == key) {
                if (replace) {
                    values[i] = value;
                }
                return false;
            }
            if (k == EMPTY) {
                keys[i] = key;
                values[i] = value;
                size++;
                return true;
            }
        }
    }

    int size() {
        return size;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        Arrays.fill(keys, EMPTY);
        values = new int[keys.length];
        mask = keys.length - 1;
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) {
                putIfAbsent(oldKeys[i], oldValues[i]);
            }
        }
    }
}
