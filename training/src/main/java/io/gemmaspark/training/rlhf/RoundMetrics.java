package io.gemmaspark.training.rlhf;

import io.gemmaspark.training.metrics.RoundRecord;

/**
 * One RLOO round, a line of the run's {@code metrics.jsonl}.
 *
 * @param rewardMean  mean raw reward of the round's samples
 * @param rewardStd   their standard deviation
 * @param kl          mean sequence-level KL estimate {@code Σ_t(log π - log π_ref)} per sample
 * @param length      mean reply length in tokens (the stop token counted)
 * @param eosRate     share of replies that reached {@code <end_of_turn>}
 * @param entropy     mean per-token entropy of the policy over the sampled replies, in nats
 * @param loss        the policy-gradient loss the workers reported
 */
public record RoundMetrics(long round, double rewardMean, double rewardStd, double kl, double length, double eosRate,
        double entropy, double loss, double seconds) implements RoundRecord {

    @Override
    public String describe() {
        return String.format(java.util.Locale.ROOT, "reward %.3f ± %.3f  KL %.3f  len %.1f  eos %.2f  entropy %.2f",
                rewardMean, rewardStd, kl, length, eosRate, entropy);
    }
}
