package io.gemmaspark.jobs.bench;

import io.gemmaspark.jobs.CommonOptions;
import io.gemmaspark.jobs.SparkSupport;
import io.gemmaspark.training.SparkPretrainer;
import io.gemmaspark.training.config.PretrainConfig;
import io.gemmaspark.training.data.SyntheticTokenShards;
import io.gemmaspark.training.metrics.MetricsLog;
import io.gemmaspark.training.metrics.StepMetrics;
import io.gemmaspark.util.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * {@code bench pretrain}: pretraining throughput with 1 and 2 parameter-averaging workers on the same data and
 * model (conf/pretrain/tiny.yaml unless --conf), and where a step's time goes: compute inside the workers'
 * {@code fit} calls against everything else in the round (broadcast, task scheduling, data, aggregation of
 * parameters and Adam state). The first step of each run (JIT, native library load) is excluded.
 */
public final class PretrainBench implements Callable<Integer> {
    private static final String WORKER_FIT = "ParameterAveragingWorkerFitTimesMs";
    private final CommonOptions common;
    private final String out;

    public PretrainBench(CommonOptions common, String out) {
        this.common = common;
        this.out = out;
    }

    @Override
    public Integer call() {
        if (common.master == null) {
            common.master = "local[2]";
        }
        List<String> overrides = new ArrayList<>(List.of("data=" + out + "/pretrain-data", "vocab_size=0",
                "validation.every_steps=1000000", "checkpoint.every_steps=1000000",
                "stages=[{name: bench, tokens: 40960, mixture: [{weight: 1}]}]"));
        overrides.addAll(common.overrides);
        Map<String, Object> report = new LinkedHashMap<>();
        try (SparkSession spark = SparkSupport.session("bench pretrain", common)) {
            PretrainConfig base = PretrainConfig.load(common.confOr("pretrain/tiny"), overrides);
            SyntheticTokenShards.write(spark, base.data(), 4 * base.stages().get(0).tokens() / base.seqLen(),
                    base.seqLen(), base.modelShape().vocabSize(), 7, 4);
            for (int workers : new int[] {1, 2}) {
                List<String> perRun = new ArrayList<>(overrides);
                perRun.add("spark.workers=" + workers);
                PretrainConfig config = PretrainConfig.load(common.confOr("pretrain/tiny"), perRun);
                String runOut = out + "/pretrain-" + workers + "w-" + System.currentTimeMillis();
                SparkPretrainer.Result result = new SparkPretrainer(config, spark, runOut,
                        SparkSupport.workDir().toString()).collectTrainingStats(true).run(false);
                List<StepMetrics> steps = MetricsLog.read(result.metricsFile(), spark.sparkContext().hadoopConfiguration());
                double wallSeconds = steps.stream().skip(1).mapToDouble(StepMetrics::stepSeconds).sum();
                long tokens = steps.stream().skip(1).count() * config.tokensPerStep();
                double firstStepSeconds = steps.get(0).stepSeconds();
                double fitSeconds = result.phaseMillis().getOrDefault(WORKER_FIT, 0.0) / 1000 / workers;
                double computeSeconds = Math.min(wallSeconds, fitSeconds * (wallSeconds / (wallSeconds + firstStepSeconds)));
                Map<String, Object> run = new LinkedHashMap<>();
                run.put("workers", workers);
                run.put("steps", steps.size());
                run.put("tokens_per_step", config.tokensPerStep());
                run.put("tokens_per_second", tokens / wallSeconds);
                run.put("step_seconds", wallSeconds / (steps.size() - 1));
                run.put("compute_fraction", computeSeconds / wallSeconds);
                run.put("averaging_overhead_fraction", 1 - computeSeconds / wallSeconds);
                run.put("final_loss", result.finalLoss());
                run.put("dl4j_phase_ms", result.phaseMillis());
                report.put(workers + "_workers", run);
                System.out.printf(Locale.ROOT, "bench pretrain: %d worker(s)  %,.0f tokens/s  %.2f s/step  compute %.0f%%"
                                + "  averaging/broadcast/scheduling %.0f%%%n", workers, tokens / wallSeconds,
                        wallSeconds / (steps.size() - 1), 100 * computeSeconds / wallSeconds,
                        100 * (1 - computeSeconds / wallSeconds));
            }
            Json.write(report, new Path(out, "pretrain.json"), spark.sparkContext().hadoopConfiguration());
            System.out.println("bench pretrain: report " + out + "/pretrain.json");
        }
        return 0;
    }
}
