package io.gemmaspark.evaluation.lm;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * How requests are grouped: at most {@code maxRows} per batch and {@code maxTokens} padded tokens per scoring batch.
 */
public record BatchSettings(int maxRows, long maxTokens) implements Serializable {
    /** Scoring batches over {@code requests}, in a plan that does not depend on the number of workers. */
    public List<List<Indexed<TokenRequest>>> scoring(List<TokenRequest> requests, int maxLength) {
        int[] lengths = requests.stream().mapToInt(r -> r.input(maxLength).length).toArray();
        return group(requests, Batches.plan(lengths, maxRows, maxTokens));
    }

    public List<List<Indexed<GenerationRequest>>> generation(List<GenerationRequest> requests) {
        int[] lengths = requests.stream().mapToInt(r -> r.prompt().length).toArray();
        return group(requests, Batches.plan(lengths, maxRows, Long.MAX_VALUE));
    }

    private static <T> List<List<Indexed<T>>> group(List<T> requests, List<int[]> plan) {
        List<List<Indexed<T>>> batches = new ArrayList<>();
        for (int[] batch : plan) {
            List<Indexed<T>> items = new ArrayList<>();
            for (int i : batch) {
                items.add(new Indexed<>(i, requests.get(i)));
            }
            batches.add(items);
        }
        return batches;
    }

    /** A request with its position in the task's request list, so results can be put back in order. */
    public record Indexed<T>(int index, T value) implements Serializable {
    }
}
