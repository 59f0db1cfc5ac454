package io.gemmaspark.evaluation.lm;

import java.io.Serializable;

/**
 * One log-likelihood request in token ids: the log-probability of {@code continuation} following
 * {@code context}. {@code context} starts with {@code <bos>} (lm-eval's Gemma setting) and is never empty.
 */
public record TokenRequest(int[] context, int[] continuation) implements Serializable {
    public TokenRequest {
        if (context.length == 0 || continuation.length == 0) {
            throw new IllegalArgumentException("a request needs a non-empty context and continuation");
        }
    }

    /** Tokens the model reads: {@code (context + continuation)[-(maxLength + 1):][:-1]}, as lm-eval truncates. */
    public int[] input(int maxLength) {
        int total = context.length + continuation.length;
        int start = Math.max(0, total - (maxLength + 1));
        int[] input = new int[total - 1 - start];
        for (int i = start; i < total - 1; i++) {
            input[i - start] = i < context.length ? context[i] : continuation[i - context.length];
        }
        return input;
    }
}
