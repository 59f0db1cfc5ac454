package io.gemmaspark.evaluation.report;

import io.gemmaspark.evaluation.ModelEvaluation;
import io.gemmaspark.evaluation.TaskResult;
import io.gemmaspark.evaluation.metrics.Metric;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;

/**
 * {@code report.html}: one self-contained page (styles inline, plots as base64 PNG) with the tasks x checkpoints
 * table, the training loss curves of the checkpoints' runs, and each task's metrics across checkpoints.
 */
public final class ReportHtml {
    /** Perplexities dwarf every other figure on a shared axis; bits_per_byte carries the same information. */
    private static final Set<String> UNPLOTTED = Set.of("word_perplexity", "byte_perplexity");

    private ReportHtml() {
    }

    public static String render(List<String> tasks, List<ModelEvaluation> models, long seed, Configuration conf) {
        StringBuilder html = new StringBuilder();
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>gemma-spark evaluation</title>\n")
                .append("<style>body{font-family:sans-serif;margin:24px;color:#222;background:#fff}")
                .append("table{border-collapse:collapse;margin:12px 0}th,td{border:1px solid #999;padding:4px 10px;")
                .append("text-align:right}th{background:#dde6f3}td.l,th.l{text-align:left}")
                .append(".err{color:#b00}img{border:1px solid #ccc;margin:6px}</style></head><body>\n");
        html.append("<h1>gemma-spark evaluation</h1>\n<p>Seed ").append(seed).append("; lm-evaluation-harness ")
                .append("definitions; value &plusmn; standard error.</p>\n");

        html.append("<h2>Checkpoints</h2>\n<table><tr><th class=\"l\">name</th><th class=\"l\">path</th>")
                .append("<th class=\"l\">SHA-256 of weights</th><th>parameters</th><th class=\"l\">status</th></tr>\n");
        for (ModelEvaluation m : models) {
            html.append("<tr><td class=\"l\">").append(esc(m.name())).append("</td><td class=\"l\">")
                    .append(esc(m.files() != null ? m.files().directory() : m.requested())).append("</td><td class=\"l\">")
                    .append(m.files() != null ? m.files().weightsSha256().substring(0, 16) + "&hellip;" : "")
                    .append("</td><td>").append(m.files() != null ? String.format(Locale.ROOT, "%,d", m.files().parameters()) : "")
                    .append("</td><td class=\"l").append(m.failed() ? " err\">failed: " + esc(m.error()) : "\">ok")
                    .append("</td></tr>\n");
        }
        html.append("</table>\n");

        html.append("<h2>Results</h2>\n<table id=\"results\"><tr><th class=\"l\">task</th><th class=\"l\">metric</th>");
        for (ModelEvaluation m : models) {
            html.append("<th>").append(esc(m.name())).append("</th>");
        }
        html.append("<th>examples</th></tr>\n");
        Map<String, Map<String, List<Double>>> plots = new LinkedHashMap<>();
        for (String task : tasks) {
            Set<String> metricNames = new LinkedHashSet<>();
            int examples = 0;
            for (ModelEvaluation m : models) {
                TaskResult r = result(m, task);
                if (r != null) {
                    metricNames.addAll(r.metrics().keySet());
                    examples = r.examples();
                }
            }
            Map<String, List<Double>> series = new LinkedHashMap<>();
            for (String metric : metricNames) {
                html.append("<tr><td class=\"l\">").append(esc(task)).append("</td><td class=\"l\">").append(esc(metric))
                        .append("</td>");
                List<Double> values = new ArrayList<>();
                for (ModelEvaluation m : models) {
                    TaskResult r = result(m, task);
                    Metric v = r == null ? null : r.metrics().get(metric);
                    values.add(v == null ? null : v.value());
                    html.append("<td>").append(v == null ? "&ndash;" : format(v)).append("</td>");
                }
                html.append("<td>").append(examples).append("</td></tr>\n");
                if (!UNPLOTTED.contains(metric)) {
                    series.put(metric, values);
                }
            }
            plots.put(task, series);
        }
        html.append("</table>\n");

        // Checkpoints of one run share its metrics.jsonl: one curve per run, named after the run's directory.
        Map<String, LossHistory> runs = new LinkedHashMap<>();
        Set<String> seen = new java.util.HashSet<>();
        for (ModelEvaluation m : models) {
            LossHistory h = m.files() == null ? null : LossHistory.find(m.files().directory(), conf);
            if (h != null && seen.add(h.file())) {
                runs.put(new org.apache.hadoop.fs.Path(h.file()).getParent().getName(), h);
            }
        }
        html.append("<h2>Training loss</h2>\n");
        if (runs.isEmpty()) {
            html.append("<p>No checkpoint came with its run's metrics.jsonl.</p>\n");
        } else {
            html.append("<img alt=\"training loss curves\" src=\"").append(Charts.lossCurves(runs)).append("\">\n");
        }

        html.append("<h2>Metrics across checkpoints</h2>\n<div>");
        List<String> names = models.stream().map(ModelEvaluation::name).toList();
        plots.forEach((task, series) -> {
            if (!series.isEmpty()) {
                html.append("<img alt=\"").append(esc(task)).append(" across checkpoints\" src=\"")
                        .append(Charts.metricsAcrossCheckpoints(task, names, series)).append("\">\n");
            }
        });
        html.append("</div>\n</body></html>\n");
        return html.toString();
    }

    private static TaskResult result(ModelEvaluation m, String task) {
        return m.results().stream().filter(r -> r.task().equals(task)).findFirst().orElse(null);
    }

    private static String format(Metric m) {
        String value = String.format(Locale.ROOT, "%.4f", m.value());
        return m.stderr() == null ? value : value + String.format(Locale.ROOT, " &plusmn; %.4f", m.stderr());
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
