package io.gemmaspark.evaluation.lm;

import java.io.Serializable;
import java.util.List;

/**
 * Greedy continuation of {@code prompt} (token ids, starting with {@code <bos>}) until one of the {@code until}
 * strings appears, one of {@code stopIds} ({@code <eos>}, {@code <end_of_turn>}) is produced, or {@code maxNewTokens} are generated. The result is cut before the
 * first stop string, as lm-eval's {@code generate_until} does.
 */
public record GenerationRequest(int[] prompt, List<String> until, int[] stopIds, int maxNewTokens)
        implements Serializable {
    public GenerationRequest {
        until = List.copyOf(until);
        stopIds = stopIds.clone();
    }

    public boolean isStopId(int id) {
        for (int s : stopIds) {
            if (s == id) {
                return true;
            }
        }
        return false;
    }
}
