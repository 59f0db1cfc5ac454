package io.gemmaspark.training.model;

import io.gemmaspark.training.WarmupCosineSchedule;
import io.gemmaspark.training.config.OptimizerConfig;
import io.gemmaspark.util.UserError;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;

/** The architectures {@code architecture:} can name, and the optimiser settings every one of them shares. */
public final class ModelFactories {
    private static final Map<String, Supplier<ModelFactory>> FACTORIES = new TreeMap<>(Map.of(
            "gemma-decoder", GemmaDecoderModel::new,
            "standin-conv", StandInConvModel::new));

    private ModelFactories() {
    }

    public static ModelFactory forName(String architecture) {
        Supplier<ModelFactory> factory = FACTORIES.get(architecture);
        if (factory == null) {
            throw new UserError("architecture: unknown '" + architecture + "' (known: " + FACTORIES.keySet() + ")");
        }
        return factory.get();
    }

    /**
     * AdamW with the warmup-cosine schedule and clipping, in float32 with workspaces on (docs/dl4j-notes.md: running
     * without workspaces is 2.5-3x slower).
     */
    public static NeuralNetConfiguration.Builder training(OptimizerConfig optimizer, WarmupCosineSchedule schedule,
            long seed) {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .updater(Adam.builder().learningRateSchedule(schedule)
                        .beta1(optimizer.beta1()).beta2(optimizer.beta2()).epsilon(optimizer.eps()).build())
                .weightDecay(optimizer.weightDecay(), true)
                .gradientNormalization(optimizer.gradClip() > 0 ? GradientNormalization.ClipL2PerLayer
                        : GradientNormalization.None)
                .gradientNormalizationThreshold(optimizer.gradClip());
    }
}
