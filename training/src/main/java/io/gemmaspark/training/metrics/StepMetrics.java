package io.gemmaspark.training.metrics;

/**
 * One line of {@code metrics.jsonl}: the state after one step (one averaging round).
 *
 * @param loss           training loss per token, averaged over the workers' last minibatches of the step
 * @param gradNorm       pre-clipping gradient L2 norm, averaged over the step's updates on all workers
 * @param validationLoss held-out loss per token when this step was a validation step, else null
 */
public record StepMetrics(
        long step,
        String stage,
        double loss,
        double lr,
        double gradNorm,
        double tokensPerSecond,
        long tokensSeen,
        double stepSeconds,
        Double validationLoss) {
}
