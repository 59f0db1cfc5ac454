package io.gemmaspark.evaluation;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gemmaspark.evaluation.lm.ModelFiles;
import io.gemmaspark.evaluation.lm.RequestBackend;
import io.gemmaspark.evaluation.report.ReportHtml;
import io.gemmaspark.evaluation.report.ReportJson;
import io.gemmaspark.filtering.FilterConfig;
import io.gemmaspark.util.AtomicOutput;
import io.gemmaspark.util.Json;
import io.gemmaspark.util.UserError;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Evaluates checkpoints one after another on every task and writes {@code report.json}, {@code report.html} and
 * {@code samples/<model>/<task>.jsonl} into a temporary directory that is renamed into place with {@code _SUCCESS}.
 * A checkpoint that fails is reported as failed and the run goes on, so the others' figures are kept; the
 * reports are rewritten after each checkpoint.
 */
public final class EvaluationRun {
    private final List<TaskSpec> tasks;
    private final EvaluationSettings settings;
    private final FilterConfig filters;
    private final Configuration conf;

    public EvaluationRun(List<TaskSpec> tasks, EvaluationSettings settings, FilterConfig filters, Configuration conf) {
        this.tasks = tasks;
        this.settings = settings;
        this.filters = filters;
        this.conf = conf;
    }

    /** What the run produced; {@code failures} counts the checkpoints that could not be evaluated. */
    public record Outcome(String out, List<ModelEvaluation> models, int failures) {
    }

    /**
     * @param backends how to run a model's requests (in this JVM, or on Spark executors)
     * @param log      progress lines for the console
     */
    public Outcome run(List<String> models, String tokenizer, String out, Function<ModelFiles, RequestBackend> backends,
                       java.util.function.Consumer<String> log) {
        List<TaskRunner> runners = new ArrayList<>();
        for (TaskSpec spec : tasks) {
            TaskRunner runner = new TaskRunner(spec, settings, conf); // bad task files fail before any model loads
            runners.add(runner);
            if (runner.data().skipped() > 0) {
                log.accept(String.format(Locale.ROOT, "  %s: skipped %d bad record(s), first: %s", spec.name(),
                        runner.data().skipped(), runner.data().problems().get(0)));
            }
        }
        List<String> taskNames = tasks.stream().map(TaskSpec::name).toList();
        List<ModelEvaluation> results = new ArrayList<>();
        Set<String> names = new HashSet<>();
        int failures = 0;
        try (AtomicOutput output = AtomicOutput.begin(out, conf, true)) {
            for (String model : models) {
                ModelEvaluation evaluation = evaluate(model, tokenizer, runners, backends, names, log);
                results.add(evaluation);
                if (evaluation.failed()) {
                    failures++;
                    log.accept("  " + model + ": FAILED: " + evaluation.error());
                } else {
                    writeSamples(output, evaluation);
                }
                writeReports(output, taskNames, results); // each checkpoint's figures are on disk when it is done
            }
            output.commit();
            return new Outcome(output.finalPath().toString(), results, failures);
        }
    }

    private ModelEvaluation evaluate(String model, String tokenizer, List<TaskRunner> runners,
                                     Function<ModelFiles, RequestBackend> backends, Set<String> names,
                                     java.util.function.Consumer<String> log) {
        String name = model;
        ModelFiles files = null;
        List<TaskResult> taskResults = new ArrayList<>();
        long start = System.nanoTime();
        try {
            files = ModelFiles.resolve(model, tokenizer, conf);
            name = unique(files.displayName(), names);
            log.accept(String.format(Locale.ROOT, "%s: %s (%,d parameters), weights sha256 %s", name, files.directory(),
                    files.parameters(), files.weightsSha256().substring(0, 12)));
            ModelContext context = new ModelContext(files, files.codec(), backends.apply(files), settings);
            for (TaskRunner runner : runners) {
                TaskResult r = runner.run(context, filters);
                taskResults.add(r);
                log.accept(String.format(Locale.ROOT, "  %-14s %s  (%d examples, %d requests, %.1f req/s)", r.task(),
                        summary(r), r.examples(), r.requests(), r.requestsPerSecond()));
            }
            return new ModelEvaluation(name, model, files, taskResults, null, (System.nanoTime() - start) / 1e9);
        } catch (Exception e) { // Spark rethrows executor failures as checked SparkExceptions
            if (files == null) {
                name = unique(model.replaceAll("[^A-Za-z0-9._-]", "_"), names);
            }
            String message = e instanceof UserError ? e.getMessage() : e.toString();
            return new ModelEvaluation(name, model, files, taskResults, message, (System.nanoTime() - start) / 1e9);
        }
    }

    private static String summary(TaskResult r) {
        StringBuilder s = new StringBuilder();
        r.metrics().forEach((k, v) -> s.append(String.format(Locale.ROOT, "%s %.4f%s  ", k, v.value(),
                v.stderr() == null ? "" : String.format(Locale.ROOT, "±%.4f", v.stderr()))));
        return s.toString().trim();
    }

    private static String unique(String name, Set<String> taken) {
        String candidate = name;
        for (int i = 2; !taken.add(candidate); i++) {
            candidate = name + "-" + i;
        }
        return candidate;
    }

    private void writeSamples(AtomicOutput output, ModelEvaluation evaluation) {
        for (TaskResult r : evaluation.results()) {
            Path file = new Path(output.tempPath(), "samples/" + evaluation.name() + "/" + r.task() + ".jsonl");
            StringBuilder lines = new StringBuilder();
            for (ObjectNode sample : r.samples()) {
                lines.append(sample.toString()).append('\n');
            }
            write(output.fileSystem(), file, lines.toString());
        }
    }

    private void writeReports(AtomicOutput output, List<String> taskNames, List<ModelEvaluation> models) {
        Json.write(ReportJson.build(settings, taskNames, models), new Path(output.tempPath(), "report.json"), conf);
        write(output.fileSystem(), new Path(output.tempPath(), "report.html"),
                ReportHtml.render(taskNames, models, settings.seed(), conf));
    }

    private static void write(FileSystem fs, Path file, String text) {
        try (OutputStream out = fs.create(file, true)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
