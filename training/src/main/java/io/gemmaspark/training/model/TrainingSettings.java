package io.gemmaspark.training.model;

import io.gemmaspark.training.WarmupCosineSchedule;
import io.gemmaspark.training.config.OptimizerConfig;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * The optimiser every architecture trains with: AdamW (Adam plus decoupled weight decay) under the warmup-cosine
 * schedule, with L2-norm gradient clipping, in float32 with workspaces on (without workspaces DL4J is 2.5-3x
 * slower).
 *
 * <p>Weight decay is DL4J's {@code WeightDecay(coefficient, applyLR=true)}, applied after the Adam update as
 * {@code w -= lr * weight_decay * w}, to weight parameters only: a layer's "bias" parameters (the Gemma decoder
 * declares its norm weights as such) are not decayed.
 *
 * @param optimizer the configured optimiser
 * @param schedule  learning rate per global iteration
 * @param seed      weight initialisation seed
 * @param activationRecompute recompute each block's activations in the backward pass instead of keeping them
 */
public record TrainingSettings(OptimizerConfig optimizer, WarmupCosineSchedule schedule, long seed,
        boolean activationRecompute) {

    /** The network-wide settings. Clipping and weight decay are here too, but see {@link #applyToCustomLayer}. */
    public NeuralNetConfiguration.Builder networkBuilder() {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .updater(Adam.builder().learningRateSchedule(schedule)
                        .beta1(optimizer.beta1()).beta2(optimizer.beta2()).epsilon(optimizer.eps()).build())
                .weightDecay(optimizer.weightDecay(), true)
                .gradientNormalization(clipping())
                .gradientNormalizationThreshold(optimizer.gradClip());
    }

    /**
     * Sets clipping and weight decay on a layer configured without a builder, in a built graph configuration.
     * {@code NeuralNetConfiguration.Builder} copies its global clipping only into layers whose value is still null,
     * and {@code BaseLayer}'s no-argument constructor (used by custom layers such as the Gemma decoder) sets "none",
     * so the global clipping never reaches such a layer; its global weight decay, on the other hand, ends up in the
     * layer's list twice (both measured on DL4J 1.0.0-M2.1). DL4J's {@code ClipL2PerLayer} clips the L2 norm of the layer's whole gradient; for a
     * network that is one layer, that is the global norm. The layer's "bias" parameters get no decay.
     */
    public <L extends BaseLayer> L applyToCustomLayer(L layer) {
        layer.setGradientNormalization(clipping());
        layer.setGradientNormalizationThreshold(optimizer.gradClip());
        // Mutable lists: Kryo (Spark's broadcast of the configuration to executors) cannot rebuild List.of().
        List<Regularization> decay = new ArrayList<>();
        if (optimizer.weightDecay() > 0) {
            decay.add(new WeightDecay(optimizer.weightDecay(), true));
        }
        layer.setRegularization(decay);
        layer.setRegularizationBias(new ArrayList<>());
        return layer;
    }

    private GradientNormalization clipping() {
        return optimizer.gradClip() > 0 ? GradientNormalization.ClipL2PerLayer : GradientNormalization.None;
    }
}
