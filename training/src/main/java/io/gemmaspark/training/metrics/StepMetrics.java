package io.gemmaspark.training.metrics;

import java.util.Locale;

/**
 * One line of {@code metrics.jsonl}: the state after one step (one averaging round).
 *
 * @param loss           training loss per token, averaged over every minibatch of the step on every worker
 * @param lr             learning rate the workers' updaters applied, averaged over the step's minibatches
 * @param gradNorm       pre-clipping gradient L2 norm, averaged over the step's updates on all workers
 * @param validationLoss held-out loss per token when this step was a validation step, else null
 * @param exactMatch     fine-tuning only: share of held-out prompts whose greedy reply equals the reference, on
 *                       validation steps; else null
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
        Double validationLoss,
        Double exactMatch) implements RoundRecord {

    /** The step: a step is one averaging round. */
    @Override
    public long round() {
        return step;
    }

    public StepMetrics withValidationLoss(Double loss) {
        return new StepMetrics(step, stage, this.loss, lr, gradNorm, tokensPerSecond, tokensSeen, stepSeconds, loss,
                exactMatch);
    }

    public StepMetrics withExactMatch(Double share) {
        return new StepMetrics(step, stage, loss, lr, gradNorm, tokensPerSecond, tokensSeen, stepSeconds,
                validationLoss, share);
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "stage %s  loss %.3f%s  lr %.2e  %,.0f tok/s", stage, loss,
                validationLoss == null ? "" : String.format(Locale.ROOT, "  val %.3f", validationLoss)
                + (exactMatch == null ? "" : String.format(Locale.ROOT, "  exact %.2f", exactMatch)), lr,
                tokensPerSecond);
    }
}
