package io.gemmaspark.evaluation;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gemmaspark.evaluation.metrics.Metric;
import io.gemmaspark.evaluation.tasks.TaskKind;
import java.util.List;
import java.util.Map;

/**
 * One task's figures for one model.
 *
 * @param metrics  name (lm-eval style, e.g. {@code exact_match,strict-match}) to value and stderr, in report order
 * @param problems the skipped records, each as {@code file:line: field 'x': problem}
 * @param config   the task's configuration as run (source, few-shot count and source, stop sequences, ...)
 * @param samples  one JSON object per example, as lm-eval's {@code --log_samples}
 */
public record TaskResult(String task, TaskKind kind, Map<String, Metric> metrics, int examples, List<String> problems,
                         int requests, double seconds, ObjectNode config, List<ObjectNode> samples) {
    public double requestsPerSecond() {
        return requests / Math.max(seconds, 1e-9);
    }
}
