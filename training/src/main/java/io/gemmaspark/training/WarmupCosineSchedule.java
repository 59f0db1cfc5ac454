package io.gemmaspark.training;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Linear warmup to {@code peak}, then cosine decay reaching {@code floor} at the last of {@code totalIterations}.
 *
 * <p>DL4J evaluates it per optimizer iteration from the network's iteration count, which is saved in
 * checkpoints and advanced by the parameter-averaging master, so it is continuous across stages and resumes.
 */
public final class WarmupCosineSchedule implements ISchedule {
    private final double peak;
    private final double floor;
    private final long warmupIterations;
    private final long totalIterations;

    @JsonCreator
    public WarmupCosineSchedule(@JsonProperty("peak") double peak, @JsonProperty("floor") double floor,
            @JsonProperty("warmupIterations") long warmupIterations,
            @JsonProperty("totalIterations") long totalIterations) {
        this.peak = peak;
        this.floor = floor;
        this.warmupIterations = warmupIterations;
        this.totalIterations = Math.max(totalIterations, warmupIterations + 2);
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        return at(iteration);
    }

    public double at(long iteration) {
        if (iteration < warmupIterations) {
            return peak * (iteration + 1) / warmupIterations;
        }
        double progress = Math.min(1.0, (double) (iteration - warmupIterations) / (totalIterations - 1 - warmupIterations));
        return floor + 0.5 * (peak - floor) * (1 + Math.cos(Math.PI * progress));
    }

    @Override
    public ISchedule clone() {
        return new WarmupCosineSchedule(peak, floor, warmupIterations, totalIterations);
    }

    @JsonProperty("peak")
    public double peak() {
        return peak;
    }

    @JsonProperty("floor")
    public double floor() {
        return floor;
    }

    @JsonProperty("warmupIterations")
    public long warmupIterations() {
        return warmupIterations;
    }

    @JsonProperty("totalIterations")
    public long totalIterations() {
        return totalIterations;
    }
}
