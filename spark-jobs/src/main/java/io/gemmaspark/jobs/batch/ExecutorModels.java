package io.gemmaspark.jobs.batch;

import io.gemmaspark.jobs.ModelSession;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Models loaded in this JVM (an executor), once per model path, shared by the executor's tasks (read only). */
final class ExecutorModels {
    private static final Map<String, ModelSession> LOADED = new ConcurrentHashMap<>();

    private ExecutorModels() {
    }

    static ModelSession get(String model) {
        return LOADED.computeIfAbsent(model, ModelSession::open);
    }
}
