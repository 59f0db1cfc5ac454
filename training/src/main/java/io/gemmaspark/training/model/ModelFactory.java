package io.gemmaspark.training.model;

import io.gemmaspark.model.GemmaConfig;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Builds the network that pretraining trains: a {@link ComputationGraph} with one input of token ids
 * {@code [mb,T]} and one output whose labels are the next-token ids with a {@code [mb,T]} per-token weight mask.
 * The output's score (without the regularisation penalty) must be the mean loss per weighted token, in nats:
 * training logs and held-out figures report it as such, with no conversion.
 * Implementations are registered in {@link ModelFactories} under the name used by {@code architecture:} in
 * the pretraining config.
 */
public interface ModelFactory {

    /**
     * @param shape    model dimensions (vocabulary, width, depth, heads)
     * @param seqLen   tokens per training window
     * @param training seed, updater, schedule, weight decay and clipping, shared by every architecture; a
     *                 custom layer must get clipping and weight decay through {@link TrainingSettings#applyToCustomLayer}
     */
    ComputationGraph build(GemmaConfig shape, int seqLen, TrainingSettings training);

    LabelLayout labelLayout();
}
