package io.gemmaspark.training.rlhf;

import java.io.Serializable;

/**
 * One sampled reply as an executor returns it: the sequence, its reward, and the per-token log-probabilities of
 * the reply under the policy that sampled it and under the frozen reference (a plain class for Kryo).
 */
public final class Rollout implements Serializable {
    private static final long serialVersionUID = 1L;
    public final int promptId;
    /** which of the prompt's k samples, 0-based */
    public final int sample;
    /** prompt + reply (+ {@code <end_of_turn>} when the reply stopped), at most {@code seq_len + 1} tokens */
    public final int[] sequence;
    public final int promptLength;
    /** the reply reached a stop token within {@code max_completion_tokens} */
    public final boolean ended;
    public final double reward;
    /** log π_old of each reply token, {@code sequence[promptLength..]} */
    public final double[] logProbs;
    /** log π_ref of the same tokens */
    public final double[] referenceLogProbs;
    /** mean per-token entropy of the sampling policy over the reply, in nats */
    public final double entropy;

    public Rollout(int promptId, int sample, int[] sequence, int promptLength, boolean ended, double reward,
            double[] logProbs, double[] referenceLogProbs, double entropy) {
        this.promptId = promptId;
        this.sample = sample;
        this.sequence = sequence;
        this.promptLength = promptLength;
        this.ended = ended;
        this.reward = reward;
        this.logProbs = logProbs;
        this.referenceLogProbs = referenceLogProbs;
        this.entropy = entropy;
    }

    /** Reply tokens, the stop token included. */
    public int replyLength() {
        return sequence.length - promptLength;
    }

    /** The sequence-level KL estimate {@code Σ_t(log π_old − log π_ref)} over the reply. */
    public double kl() {
        double kl = 0;
        for (int t = 0; t < logProbs.length; t++) {
            kl += logProbs[t] - referenceLogProbs[t];
        }
        return kl;
    }
}
