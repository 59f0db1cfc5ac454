package io.gemmaspark.evaluation.lm;

import java.io.Serializable;

/**
 * The score of one continuation: the summed log-probability of its tokens (natural log), whether each of them is the
 * model's argmax (lm-eval's {@code is_greedy}), and how many tokens it has.
 */
public record LoglikelihoodResult(double logprob, boolean greedy, int tokens) implements Serializable {
}
