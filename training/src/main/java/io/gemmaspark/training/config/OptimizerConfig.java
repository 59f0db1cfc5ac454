package io.gemmaspark.training.config;

import io.gemmaspark.config.Default;
import io.gemmaspark.config.Range;

/**
 * AdamW with a warmup + cosine learning-rate schedule and gradient-norm clipping.
 *
 * <p>The schedule runs over the whole run (all stages), so it is continuous across stage boundaries: linear
 * warmup from 0 to {@code peak_lr} over {@code warmup_steps}, then cosine decay to {@code min_lr} at the last step.
 *
 * <p>Weight decay is decoupled (Loshchilov and Hutter): DL4J applies {@code WeightDecay} after the Adam update,
 * as {@code w -= lr * weight_decay * w}.
 *
 * <p>Clipping uses DL4J's {@code ClipL2PerLayer}: the L2 norm over all parameters of one layer. The Gemma
 * decoder is a single DL4J layer holding every parameter, so for it this is exactly global-norm clipping; the
 * multi-layer stand-in model clips each layer separately.
 */
public record OptimizerConfig(
        @Range(min = 0) double peakLr,
        @Range(min = 0) double minLr,
        @Range(min = 0) @Default("0") int warmupSteps,
        @Range(min = 0, max = 1) @Default("0.9") double beta1,
        @Range(min = 0, max = 1) @Default("0.95") double beta2,
        @Range(min = 0) @Default("1e-8") double eps,
        @Range(min = 0) @Default("0.1") double weightDecay,
        @Range(min = 0) @Default("1.0") double gradClip) {

    public OptimizerConfig {
        if (minLr > peakLr) {
            throw new IllegalArgumentException("min_lr (" + minLr + ") must not exceed peak_lr (" + peakLr + ")");
        }
    }

    /**
     * The learning-rate schedule of a run of {@code steps} averaging rounds of {@code averagingFrequency} updates
     * each, with {@code warmup_steps} rounds of warmup; it runs over optimizer iterations, which DL4J's updater
     * counts. Pretraining, SFT, the reward model and RLHF all build it here. (Not a static factory on the schedule:
     * DL4J's Jackson would take that for the schedule's JSON creator.)
     */
    public io.gemmaspark.training.WarmupCosineSchedule schedule(int averagingFrequency, long steps) {
        return new io.gemmaspark.training.WarmupCosineSchedule(peakLr, minLr, (long) warmupSteps * averagingFrequency,
                steps * averagingFrequency);
    }
}
