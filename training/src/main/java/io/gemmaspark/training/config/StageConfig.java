package io.gemmaspark.training.config;

import io.gemmaspark.config.Range;
import java.util.List;

/**
 * One training stage: a token budget drawn from a mixture of the token shards' quality stages and sources.
 * Stages run in the order declared; put higher-quality mixtures later.
 */
public record StageConfig(
        String name,
        @Range(min = 1) long tokens,
        List<MixtureComponent> mixture) {

    public StageConfig {
        if (mixture == null || mixture.isEmpty()) {
            throw new IllegalArgumentException("stage '" + name + "': mixture must list at least one component");
        }
    }

    public double totalWeight() {
        return mixture.stream().mapToDouble(MixtureComponent::weight).sum();
    }
}
