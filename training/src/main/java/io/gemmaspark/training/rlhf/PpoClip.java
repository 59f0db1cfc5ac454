package io.gemmaspark.training.rlhf;

/**
 * PPO's clipped surrogate (Schulman et al., 2017) as per-token loss weights, for when one batch of samples is
 * reused for several updates ({@code ppo_epochs > 1}). Per reply token the objective is
 * {@code min(ρ·A, clip(ρ, 1 − ε, 1 + ε)·A)} with {@code ρ = π(t)/π_old(t)}. Its gradient is {@code A·ρ·∇log π}
 * where the unclipped term is the minimum, and 0 where clipping holds it constant: {@code ρ > 1 + ε} with
 * {@code A > 0}, or {@code ρ < 1 − ε} with {@code A < 0}. The decoder's loss is {@code Σ w·(−log π)}, whose gradient
 * is {@code −Σ w·∇log π}; so the weight {@code w = A·ρ} (or 0 when clipped) makes it the negated surrogate's
 * gradient exactly at the parameters ρ was measured with. On the first pass over a batch ρ = 1 and {@code w = A}:
 * plain RLOO.
 */
public final class PpoClip {
    private PpoClip() {
    }

    /**
     * @param advantage   the sample's advantage
     * @param logProb     log π of the token under the current policy
     * @param oldLogProb  log π_old under the policy that sampled it
     * @param epsilon     the clip range ε
     */
    public static double weight(double advantage, double logProb, double oldLogProb, double epsilon) {
        double ratio = Math.exp(logProb - oldLogProb);
        boolean clipped = advantage > 0 ? ratio > 1 + epsilon : advantage < 0 && ratio < 1 - epsilon;
        return clipped ? 0 : advantage * ratio;
    }
}
