package io.gemmaspark.training.model;

import io.gemmaspark.util.UserError;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/** The architectures {@code architecture:} can name, each building its network with the shared {@link TrainingSettings}. */
public final class ModelFactories {
    private static final Map<String, Supplier<ModelFactory>> FACTORIES = new TreeMap<>(Map.of(
            "gemma-decoder", GemmaDecoderModel::new));

    private ModelFactories() {
    }

    public static ModelFactory forName(String architecture) {
        Supplier<ModelFactory> factory = FACTORIES.get(architecture);
        if (factory == null) {
            throw new UserError("architecture: unknown '" + architecture + "' (known: " + FACTORIES.keySet() + ")");
        }
        return factory.get();
    }
}
