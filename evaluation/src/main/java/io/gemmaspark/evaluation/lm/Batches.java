package io.gemmaspark.evaluation.lm;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Groups requests of similar length into batches. The plan depends only on the requests, never on how many
 * workers there are, so every request is scored in the same batch (with the same padding) on 1 or N workers and
 * the results are bit-identical.
 */
public final class Batches {
    private Batches() {
    }

    /**
     * Indices of {@code lengths} grouped longest first (ties in input order), each batch at most {@code maxRows}
     * rows and {@code maxTokens} padded tokens (a single longer row still gets a batch of its own).
     */
    public static List<int[]> plan(int[] lengths, int maxRows, long maxTokens) {
        Integer[] order = IntStream.range(0, lengths.length).boxed().toArray(Integer[]::new);
        java.util.Arrays.sort(order, Comparator.<Integer>comparingInt(i -> -lengths[i]).thenComparingInt(i -> i));
        List<int[]> batches = new ArrayList<>();
        List<Integer> current = new ArrayList<>();
        int width = 0;
        for (int index : order) {
            int newWidth = Math.max(width, lengths[index]);
            if (!current.isEmpty() && (current.size() == maxRows || (long) newWidth * (current.size() + 1) > maxTokens)) {
                batches.add(current.stream().mapToInt(Integer::intValue).toArray());
                current.clear();
                newWidth = lengths[index];
            }
            current.add(index);
            width = newWidth;
        }
        if (!current.isEmpty()) {
            batches.add(current.stream().mapToInt(Integer::intValue).toArray());
        }
        return batches;
    }
}
