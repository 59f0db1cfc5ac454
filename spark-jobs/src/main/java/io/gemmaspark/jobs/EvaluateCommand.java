package io.gemmaspark.jobs;

import io.gemmaspark.config.ConfigLoader;
import io.gemmaspark.evaluation.EvaluationRun;
import io.gemmaspark.evaluation.EvaluationSettings;
import io.gemmaspark.evaluation.TaskSpec;
import io.gemmaspark.evaluation.lm.BatchSettings;
import io.gemmaspark.filtering.FilterConfig;
import io.gemmaspark.jobs.evaluate.SparkBackend;
import io.gemmaspark.util.UserError;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Batch evaluation of checkpoints in lm-evaluation-harness conventions, with requests spread over Spark executors. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Perplexity, bits per byte, benchmarks (lm-evaluation-harness definitions) and safety rates of "
                + "checkpoints, as report.json, report.html and per-example samples.")
public final class EvaluateCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--model", required = true, paramLabel = "CKPT[,CKPT...]", split = ",",
            description = "Native checkpoints, checkpoint stores (their newest valid checkpoint) or HF model "
                    + "directories, in report order (e.g. pretrained,sft,rlhf).")
    List<String> models;

    @Option(names = "--tasks", required = true, paramLabel = "TASK[=PATH][,...]",
            description = "hellaswag, arc_easy, arc_challenge, piqa, boolq, winogrande, mmlu, gsm8k, perplexity, "
                    + "safety, or a YAML file under conf/tasks/; =PATH reads that JSONL file instead of the shipped sample.")
    String tasks;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "tokenizer.model or tokenizer.json (default: the one in the model directory).")
    String tokenizer;

    @Option(names = "--num-fewshot", paramLabel = "K", description = "Few-shot examples (default: each task's).")
    Integer numFewshot;

    @Option(names = "--limit", paramLabel = "N", description = "At most N examples per task.")
    Integer limit;

    @Option(names = "--seed", paramLabel = "S", description = "Few-shot seed (default 1234).")
    Long seed;

    @Option(names = "--chat", description = "Apply the Gemma chat template to prompts (instruction-tuned checkpoints).")
    boolean chat;

    @Option(names = "--strict", description = "Fail on a bad task record instead of counting and skipping it.")
    boolean strict;

    @Option(names = "--workers", paramLabel = "N",
            description = "Partitions to spread requests over (default: Spark's default parallelism).")
    Integer workers;

    /** The demo's evaluate stage: the given checkpoints on the given tasks with the default settings. */
    public static int forDemo(List<String> checkpoints, String tasks, CommonOptions options) {
        EvaluateCommand command = new EvaluateCommand();
        command.common = options;
        command.models = checkpoints;
        command.tasks = tasks;
        return command.call();
    }

    @Override
    public Integer call() {
        if (common.out == null) {
            throw new UserError("evaluate: --out DIR is required");
        }
        EvaluationSettings settings = ConfigLoader.load(common.confOr(EvaluationSettings.DEFAULT), EvaluationSettings.class,
                common.overrides).withOverrides(numFewshot, limit, seed, chat, strict);
        List<TaskSpec> specs = TaskSpec.parseList(tasks);
        FilterConfig filters = FilterConfig.defaults();
        SparkSession spark = SparkSupport.session("evaluate", common);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int parallelism = workers != null ? workers : sc.defaultParallelism();
        if (parallelism < 1) {
            throw new UserError("evaluate: --workers must be at least 1");
        }
        BatchSettings batching = new BatchSettings(settings.batchRows(), settings.batchTokens());
        System.out.println("evaluate  " + models.size() + " checkpoint(s) x " + specs.size() + " task(s) on "
                + parallelism + " worker(s), seed " + settings.seed());
        EvaluationRun.Outcome outcome = new EvaluationRun(specs, settings, filters, sc.hadoopConfiguration())
                .run(models, tokenizer, common.out, files -> new SparkBackend(sc, files, batching, parallelism),
                        System.out::println);
        System.out.println("report    " + outcome.out() + "/report.html (and report.json, samples/)");
        if (outcome.failures() > 0) {
            System.err.println("evaluate: " + outcome.failures() + " of " + models.size()
                    + " checkpoint(s) failed; the others' results are in the report");
            return 1;
        }
        return 0;
    }

}
