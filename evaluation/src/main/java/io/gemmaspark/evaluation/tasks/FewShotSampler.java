package io.gemmaspark.evaluation.tasks;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Draws few-shot examples with a fixed seed, like lm-eval's sampler: k examples from the task's few-shot split
 * (from the same group when the group has enough, as MMLU's per-subject dev sets), never the example being asked.
 * The draw for an example depends only on the seed and its doc id, so it is the same however the work is split.
 * (The stream is Java's, not Python's {@code random.Random}, so the chosen examples differ from lm-eval's.)
 */
public final class FewShotSampler {
    public static final String FEWSHOT_DELIMITER = "\n\n";

    private final List<Example> pool;
    private final long seed;

    /** @param pool the few-shot split; when it is the evaluated split itself, each example is excluded from its own draw */
    public FewShotSampler(List<Example> pool, long seed) {
        this.pool = List.copyOf(pool);
        this.seed = seed;
    }

    /** {@code description + (solved example + "\n\n") x k}: what precedes the question. */
    public String prefix(Example example, int k, boolean samePool) {
        StringBuilder out = new StringBuilder(example.description());
        for (Example shot : draw(example, k, samePool)) {
            out.append(solved(shot)).append(FEWSHOT_DELIMITER);
        }
        return out.toString();
    }

    List<Example> draw(Example example, int k, boolean samePool) {
        if (k == 0) {
            return List.of();
        }
        List<Example> candidates = new ArrayList<>();
        for (Example e : pool) {
            if (e.group().equals(example.group()) && !(samePool && e.docId() == example.docId())) {
                candidates.add(e);
            }
        }
        if (candidates.size() < k) {
            candidates.clear();
            for (Example e : pool) {
                if (!(samePool && e.docId() == example.docId())) {
                    candidates.add(e);
                }
            }
        }
        Random random = new Random(seed * 1_000_003L + example.docId());
        // A partial Fisher-Yates shuffle: the first k of a seeded permutation.
        for (int i = 0; i < Math.min(k, candidates.size()); i++) {
            int j = i + random.nextInt(candidates.size() - i);
            Example t = candidates.get(i);
            candidates.set(i, candidates.get(j));
            candidates.set(j, t);
        }
        return candidates.subList(0, Math.min(k, candidates.size()));
    }

    private static String solved(Example shot) {
        if (shot.item() instanceof MultipleChoiceItem mc) {
            return mc.solved();
        }
        if (shot.item() instanceof GenerationItem gen) {
            return gen.solved();
        }
        throw new IllegalArgumentException("no few-shot form for " + shot.item().getClass().getSimpleName());
    }
}
