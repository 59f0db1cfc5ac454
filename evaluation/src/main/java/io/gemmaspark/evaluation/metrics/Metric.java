package io.gemmaspark.evaluation.metrics;

/** One reported figure with its standard error ({@code null} when none is defined, as lm-eval prints N/A). */
public record Metric(double value, Double stderr) {
    /** The mean of per-example scores with lm-eval's {@code mean_stderr}: sample standard deviation / sqrt(n). */
    public static Metric mean(double[] scores) {
        int n = scores.length;
        if (n == 0) {
            return new Metric(Double.NaN, null);
        }
        double sum = 0;
        for (double s : scores) {
            sum += s;
        }
        double mean = sum / n;
        if (n < 2) {
            return new Metric(mean, null);
        }
        double squares = 0;
        for (double s : scores) {
            squares += (s - mean) * (s - mean);
        }
        return new Metric(mean, Math.sqrt(squares / (n - 1)) / Math.sqrt(n));
    }
}
