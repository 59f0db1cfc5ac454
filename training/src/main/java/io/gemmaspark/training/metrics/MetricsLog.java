package io.gemmaspark.training.metrics;

import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * {@code metrics.jsonl} of the step-based trainers: one {@link StepMetrics} per step, flushed as it is written,
 * truncated to the checkpoint's step on resume ({@link JsonlLog}).
 */
public final class MetricsLog implements AutoCloseable {
    private final JsonlLog<StepMetrics> log;

    private MetricsLog(JsonlLog<StepMetrics> log) {
        this.log = log;
    }

    public static MetricsLog open(String file, Configuration conf, long keepThroughStep) {
        return new MetricsLog(JsonlLog.open(file, conf, keepThroughStep, StepMetrics.class, StepMetrics::step));
    }

    public static List<StepMetrics> read(String file, Configuration conf) {
        try (MetricsLog log = open(file, conf, Long.MAX_VALUE)) {
            return log.history();
        }
    }

    public void append(StepMetrics metrics) {
        log.append(metrics);
    }

    public List<StepMetrics> history() {
        return log.history();
    }

    @Override
    public void close() {
        log.close();
    }
}
