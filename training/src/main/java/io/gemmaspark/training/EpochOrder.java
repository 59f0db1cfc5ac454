package io.gemmaspark.training;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The order in which a fine-tuning run visits its examples: a new seeded permutation every epoch, so position
 * {@code p} of the run maps to the same example whatever the cluster or a restart (what makes resume exact).
 */
public final class EpochOrder {
    private final int size;
    private final long seed;
    private long epoch = -1;
    private List<Integer> permutation;

    public EpochOrder(int size, long seed) {
        this.size = size;
        this.seed = seed;
    }

    /** The example at position {@code position} of the run. */
    public int at(long position) {
        long e = position / size;
        if (e != epoch) {
            permutation = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                permutation.add(i);
            }
            Collections.shuffle(permutation, new Random(seed * 1_000_003L + e));
            epoch = e;
        }
        return permutation.get((int) (position % size));
    }
}
