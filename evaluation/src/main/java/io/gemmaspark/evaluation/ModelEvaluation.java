package io.gemmaspark.evaluation;

import io.gemmaspark.evaluation.lm.ModelFiles;
import java.util.List;

/**
 * One checkpoint's results, or the reason it has none.
 *
 * @param name  a file-name-safe label, unique within the run
 * @param files the resolved checkpoint, or null if it could not be resolved
 * @param error why evaluation failed, or null
 */
public record ModelEvaluation(String name, String requested, ModelFiles files, List<TaskResult> results, String error,
                              double loadSeconds) {
    public boolean failed() {
        return error != null;
    }
}
