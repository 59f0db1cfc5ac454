package io.gemmaspark.model.generation;

import java.util.Arrays;

/**
 * How to continue prompts.
 *
 * @param maxNewTokens at most this many tokens per prompt (the stop token is not counted or returned)
 * @param temperature  0 for greedy decoding; otherwise logits are divided by it before sampling
 * @param topK         sample among the k most likely tokens; 0 for no limit
 * @param topP         nucleus sampling: the smallest set of most likely tokens whose probability reaches p; 1 for
 *                     no limit
 * @param seed         seeds every prompt's sampler, so a prompt continues the same way alone or in a batch
 * @param stopIds      generation of a prompt ends at the first of these ids ({@code <eos>} = 1,
 *                     {@code <end_of_turn>} from the tokenizer)
 */
public record GenerationOptions(int maxNewTokens, double temperature, int topK, double topP, long seed,
                                int[] stopIds) {
    /** Gemma's {@code <eos>} id. */
    public static final int EOS = 1;

    public GenerationOptions {
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("max_new_tokens must be >= 0, got " + maxNewTokens);
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite value >= 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top_k must be >= 0 (0 = no limit), got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
        stopIds = stopIds == null ? new int[0] : stopIds.clone();
    }

    /** Greedy decoding that stops at {@code <eos>}. */
    public static GenerationOptions greedy(int maxNewTokens) {
        return new GenerationOptions(maxNewTokens, 0, 0, 1, 0, new int[] {EOS});
    }

    public boolean isStop(int id) {
        for (int s : stopIds) {
            if (s == id) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GenerationOptions g && maxNewTokens == g.maxNewTokens && temperature == g.temperature
                && topK == g.topK && topP == g.topP && seed == g.seed && Arrays.equals(stopIds, g.stopIds);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(stopIds) + Double.hashCode(temperature) + maxNewTokens + topK;
    }

    @Override
    public String toString() {
        return "GenerationOptions[maxNewTokens=" + maxNewTokens + ", temperature=" + temperature + ", topK=" + topK
                + ", topP=" + topP + ", seed=" + seed + ", stopIds=" + Arrays.toString(stopIds) + "]";
    }
}
