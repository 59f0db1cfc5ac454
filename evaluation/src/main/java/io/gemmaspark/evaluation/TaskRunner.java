package io.gemmaspark.evaluation;

import io.gemmaspark.evaluation.tasks.Example;
import io.gemmaspark.evaluation.tasks.FewShotSampler;
import io.gemmaspark.evaluation.tasks.TaskData;
import io.gemmaspark.evaluation.tasks.TaskFormat;
import io.gemmaspark.evaluation.tasks.TaskKind;
import io.gemmaspark.filtering.FilterConfig;
import io.gemmaspark.util.UserError;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * Reads a task's examples, builds their few-shot prompts and runs them with the model: the one place that knows
 * the order of those steps. Task data is read once and reused for every model.
 */
public final class TaskRunner {
    private final TaskSpec spec;
    private final TaskData data;
    private final TaskData fewshot;
    private final EvaluationSettings settings;

    public TaskRunner(TaskSpec spec, EvaluationSettings settings, Configuration conf) {
        this.spec = spec;
        this.settings = settings;
        if (spec.path() == null) {
            this.data = TaskData.sample(spec.format(), "test", settings.strict());
            if (data == null) {
                throw new UserError(spec.name() + ": no shipped sample; give " + spec.name() + "=PATH");
            }
            this.fewshot = TaskData.sample(spec.format(), "fewshot", settings.strict());
        } else {
            this.data = TaskData.file(spec.format(), spec.path(), settings.strict(), conf);
            this.fewshot = null; // the user's file is its own few-shot pool (each question excluded from its draw)
        }
    }

    public TaskSpec spec() {
        return spec;
    }

    public TaskData data() {
        return data;
    }

    /** Few-shot examples per question: the setting, else the task's default (GSM8K 5 as in lm-eval, others 0). */
    public int numFewshot() {
        if (spec.format().kind() == TaskKind.PERPLEXITY || spec.format().kind() == TaskKind.SAFETY) {
            return 0;
        }
        if (settings.numFewshot() >= 0) {
            return settings.numFewshot();
        }
        return spec.format() == TaskFormat.GSM8K ? 5 : 0;
    }

    public List<Example> examples() {
        List<Example> all = data.examples();
        return settings.limit() > 0 && all.size() > settings.limit() ? all.subList(0, settings.limit()) : all;
    }

    public TaskResult run(ModelContext model, FilterConfig filters) {
        List<Example> examples = examples();
        TaskResult result = switch (spec.format().kind()) {
            case MULTIPLE_CHOICE -> MultipleChoiceTask.run(spec.name(), examples, prefixes(examples), model);
            case GENERATION -> GenerationTask.run(spec.name(), examples, prefixes(examples), model);
            case PERPLEXITY -> PerplexityTask.run(spec.name(), examples, model);
            case SAFETY -> SafetyTask.run(spec.name(), examples, model, filters);
        };
        result.config().put("source", data.source());
        result.config().put("fewshot_source", fewshot != null ? fewshot.source() : data.source());
        result.config().put("num_fewshot", numFewshot());
        result.config().put("fewshot_delimiter", FewShotSampler.FEWSHOT_DELIMITER);
        result.config().put("seed", settings.seed());
        result.config().put("limit", settings.limit());
        result.config().put("chat", settings.chat());
        return new TaskResult(result.task(), result.kind(), result.metrics(), result.examples(), data.problems(),
                result.requests(), result.seconds(), result.config(), result.samples());
    }

    private List<String> prefixes(List<Example> examples) {
        int k = numFewshot();
        boolean samePool = fewshot == null;
        FewShotSampler sampler = new FewShotSampler(samePool ? data.examples() : fewshot.examples(), settings.seed());
        if (k > 0 && (samePool ? data.examples().size() - 1 : fewshot.examples().size()) < k) {
            throw new UserError(spec.name() + ": --num-fewshot " + k + " needs at least " + k
                    + " few-shot examples, the pool has fewer");
        }
        List<String> prefixes = new ArrayList<>();
        for (Example e : examples) {
            prefixes.add(sampler.prefix(e, k, samePool));
        }
        return prefixes;
    }
}
