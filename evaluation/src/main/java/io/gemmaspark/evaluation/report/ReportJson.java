package io.gemmaspark.evaluation.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gemmaspark.evaluation.EvaluationSettings;
import io.gemmaspark.evaluation.ModelEvaluation;
import io.gemmaspark.evaluation.TaskResult;
import io.gemmaspark.evaluation.metrics.Metric;
import io.gemmaspark.util.Json;
import java.util.List;
import java.util.Map;

/**
 * {@code report.json}: the settings and seed, then per checkpoint its path, resolved directory and weights SHA-256,
 * and per task every metric with its stderr, the example counts, the skipped records and the task configuration.
 */
public final class ReportJson {
    private ReportJson() {
    }

    public static ObjectNode build(EvaluationSettings settings, List<String> tasks, List<ModelEvaluation> models) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("seed", settings.seed());
        root.set("settings", Json.MAPPER.valueToTree(settings));
        ArrayNode taskNames = root.putArray("tasks");
        tasks.forEach(taskNames::add);
        ArrayNode array = root.putArray("models");
        for (ModelEvaluation m : models) {
            array.add(model(m));
        }
        return root;
    }

    static ObjectNode model(ModelEvaluation m) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("name", m.name());
        node.put("path", m.requested());
        if (m.files() != null) {
            node.put("checkpoint", m.files().directory());
            node.put("sha256", m.files().weightsSha256());
            node.put("model", m.files().modelName());
            node.put("parameters", m.files().parameters());
            node.put("max_length", m.files().maxLength());
        }
        node.put("status", m.failed() ? "failed" : "ok");
        if (m.failed()) {
            node.put("error", m.error());
        }
        node.put("load_seconds", m.loadSeconds());
        ObjectNode results = node.putObject("results");
        for (TaskResult r : m.results()) {
            results.set(r.task(), task(r));
        }
        return node;
    }

    static ObjectNode task(TaskResult r) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("kind", r.kind().name().toLowerCase(java.util.Locale.ROOT));
        ObjectNode metrics = node.putObject("metrics");
        for (Map.Entry<String, Metric> e : r.metrics().entrySet()) {
            ObjectNode metric = metrics.putObject(e.getKey());
            putNumber(metric, "value", e.getValue().value());
            if (e.getValue().stderr() == null) {
                metric.putNull("stderr");
            } else {
                putNumber(metric, "stderr", e.getValue().stderr());
            }
        }
        node.put("examples", r.examples());
        node.put("skipped", r.problems().size());
        ArrayNode problems = node.putArray("skipped_records");
        r.problems().forEach(problems::add);
        node.put("requests", r.requests());
        node.put("seconds", r.seconds());
        node.put("requests_per_second", r.requestsPerSecond());
        node.set("config", r.config());
        return node;
    }

    /** JSON has no NaN or infinity: those are written as null. */
    private static void putNumber(ObjectNode node, String field, double value) {
        if (Double.isFinite(value)) {
            node.put(field, value);
        } else {
            node.putNull(field);
        }
    }
}
