package io.gemmaspark.jobs.classifier;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import org.apache.spark.sql.functions;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;

import io.gemmaspark.training.metrics.CalibrationPlot;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A binary classifier's figures on held-out records, aggregated by Spark from a table of (y, p): the true label
 * (1 = positive) and the predicted probability of the positive label. Precision, recall and F1 are those of the
 * positive label at {@link #THRESHOLD}; a ratio with nothing to divide is null.
 */
public record HeldOutMetrics(long count, long positives, double threshold, long truePositives, long falsePositives,
                             long trueNegatives, long falseNegatives, Double precision, Double recall, Double f1,
                             double accuracy, double aucRoc, double aucPr, List<CalibrationPlot.Bin> calibration) {
    public static final double THRESHOLD = 0.5;

    static HeldOutMetrics of(Dataset<Row> scored, int bins) {
        long tp = 0;
        long fp = 0;
        long tn = 0;
        long fn = 0;
        for (Row r : scored.groupBy(col("y").equalTo(1.0), col("p").geq(THRESHOLD)).count().collectAsList()) {
            boolean actual = r.getBoolean(0);
            boolean predicted = r.getBoolean(1);
            long n = r.getLong(2);
            if (actual && predicted) {
                tp += n;
            } else if (actual) {
                fn += n;
            } else if (predicted) {
                fp += n;
            } else {
                tn += n;
            }
        }
        long total = tp + fp + tn + fn;
        Double precision = tp + fp == 0 ? null : (double) tp / (tp + fp);
        Double recall = tp + fn == 0 ? null : (double) tp / (tp + fn);
        Double f1 = precision == null || recall == null || precision + recall == 0 ? null
                : 2 * precision * recall / (precision + recall);
        BinaryClassificationEvaluator evaluator = new BinaryClassificationEvaluator()
                .setLabelCol("y").setRawPredictionCol("p");
        double aucRoc = evaluator.setMetricName("areaUnderROC").evaluate(scored);
        double aucPr = evaluator.setMetricName("areaUnderPR").evaluate(scored);
        List<CalibrationPlot.Bin> calibration = new ArrayList<>();
        for (Row r : scored.groupBy(least(floor(col("p").multiply(bins)), lit(bins - 1)).as("bin"))
                .agg(avg("p"), avg("y"), functions.count(lit(1))).orderBy("bin").collectAsList()) {
            calibration.add(new CalibrationPlot.Bin(r.getDouble(1), r.getDouble(2), r.getLong(3)));
        }
        return new HeldOutMetrics(total, tp + fn, THRESHOLD, tp, fp, tn, fn, precision, recall, f1,
                total == 0 ? 0 : (double) (tp + tn) / total, aucRoc, aucPr, calibration);
    }
}
