package io.gemmaspark.training.rlhf;

/**
 * RLOO's advantages (Ahmadian et al., 2024): each prompt has {@code k} samples; the reward of sample {@code i} is
 * shaped by the sequence-level KL penalty to the reference, {@code r_i - β·Σ_t(log π - log π_ref)} (minus an
 * optional penalty when the reply never reached {@code <end_of_turn>}), and its baseline is the mean shaped reward
 * of the other {@code k - 1} samples of the same prompt: {@code A_i = r_i - mean_{j≠i} r_j}.
 */
public final class RlooAdvantages {
    private RlooAdvantages() {
    }

    /** Shaped rewards: {@code reward - beta * kl - (ended ? 0 : missingEosPenalty)}. */
    public static double[] shaped(double[] rewards, double[] kl, boolean[] ended, double beta,
            double missingEosPenalty) {
        double[] out = new double[rewards.length];
        for (int i = 0; i < rewards.length; i++) {
            out[i] = rewards[i] - beta * kl[i] - (ended[i] ? 0 : missingEosPenalty);
        }
        return out;
    }

    /** Leave-one-out advantages over consecutive groups of {@code k} samples (one group per prompt). */
    public static double[] leaveOneOut(double[] shaped, int k) {
        if (k < 2 || shaped.length % k != 0) {
            throw new IllegalArgumentException("RLOO needs k >= 2 samples per prompt and whole groups; got k = " + k
                    + " for " + shaped.length + " samples");
        }
        double[] advantages = new double[shaped.length];
        for (int g = 0; g < shaped.length; g += k) {
            double sum = 0;
            for (int i = g; i < g + k; i++) {
                sum += shaped[i];
            }
            for (int i = g; i < g + k; i++) {
                advantages[i] = shaped[i] - (sum - shaped[i]) / (k - 1);
            }
        }
        return advantages;
    }
}
