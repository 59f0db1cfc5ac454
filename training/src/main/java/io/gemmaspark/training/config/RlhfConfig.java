package io.gemmaspark.training.config;

import io.gemmaspark.config.ConfigLoader;
import io.gemmaspark.config.Default;
import io.gemmaspark.config.Range;
import java.util.List;

/**
 * An RLOO run ({@code conf/rlhf/*.yaml}); every {@code bin/gemma rlhf} option is one of these keys.
 *
 * @param policy              the SFT checkpoint: the policy's start and the frozen reference
 * @param reward              the reward model (a {@code reward-train} checkpoint)
 * @param prompts             training prompts, JSONL {@code {"prompt":…}} (or SFT-shaped records: their prompt)
 * @param evalPrompts         held-out prompts: mean reward of greedy replies, before and after
 * @param k                   samples per prompt (the leave-one-out group)
 * @param beta                KL coefficient folded into the reward
 * @param klBudget            the run reports whether the mean KL stayed under it
 * @param missingEosPenalty   subtracted from the reward of a reply that never reached {@code <end_of_turn>}
 * @param maxCompletionTokens sampling budget per reply
 * @param promptsPerRound     prompts sampled per round ({@code prompts_per_round * k} samples)
 * @param rounds              sampling rounds; each makes {@code ppo_epochs} parameter-averaging updates
 * @param ppoEpochs           updates per batch of samples; from the second on, PPO ratio clipping applies
 * @param clipEpsilon         PPO's clip range ε for the ratio {@code π/π_old}
 * @param strict              the first bad prompt record fails the job (otherwise counted and skipped)
 * @param checkpoint          checkpoint every {@code every_steps} rounds (and after the last), for {@code --resume}
 */
public record RlhfConfig(
        String policy,
        String reward,
        String prompts,
        String evalPrompts,
        @Range(min = 2) @Default("4") int k,
        @Range(min = 0) @Default("0.05") double beta,
        @Range(min = 0) @Default("5.0") double klBudget,
        @Range(min = 0) @Default("0.0") double missingEosPenalty,
        @Range(min = 1) @Default("16") int maxCompletionTokens,
        @Range(min = 0) @Default("1.0") double temperature,
        @Range(min = 1) @Default("8") int promptsPerRound,
        @Range(min = 1) int rounds,
        @Range(min = 1) @Default("1") int ppoEpochs,
        @Range(min = 0) @Default("0.2") double clipEpsilon,
        @Default("false") boolean strict,
        CheckpointConfig checkpoint,
        @Range(min = 2) int seqLen,
        @Default("42") long seed,
        SparkTrainingConfig spark,
        OptimizerConfig optimizer) {

    public static RlhfConfig load(String reference, List<String> overrides) {
        return ConfigLoader.load(reference, RlhfConfig.class, overrides);
    }
}
