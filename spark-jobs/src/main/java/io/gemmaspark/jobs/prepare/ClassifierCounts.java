package io.gemmaspark.jobs.prepare;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.gemmaspark.filtering.FilterPipeline;
import io.gemmaspark.filtering.classifier.ClassifierFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What one trained classifier did in a prepare run: how many records it scored and dropped, the mean score of the
 * scored and of the finally kept records, and the score histogram in {@link #BINS} equal bins over [0, 1].
 * Aggregated by Spark in one pass over the table of all records, for every classifier at once.
 */
public record ClassifierCounts(String name, String model, double threshold, String drop, long scored, long dropped,
                               Double meanScore, Double meanScoreKept, long[] histogram) {
    public static final int BINS = 10;

    static List<ClassifierCounts> of(Dataset<Row> all, FilterPipeline pipeline, Map<String, Long> droppedByReason) {
        List<ClassifierFilter.Config> classifiers = pipeline.config().classifiers();
        if (classifiers.isEmpty()) {
            return List.of();
        }
        List<Column> aggregates = new ArrayList<>();
        for (String column : DocumentProcessing.classifierScoreColumns(pipeline)) {
            Column score = col(column);
            aggregates.add(count(score));
            aggregates.add(avg(score));
            aggregates.add(avg(when(col("reason").isNull(), score)));
            Column bin = when(score.isNotNull(), least(floor(score.multiply(BINS)), lit(BINS - 1))); // least skips nulls
            for (int b = 0; b < BINS; b++) {
                aggregates.add(sum(when(bin.equalTo(b), 1L).otherwise(0L)));
            }
        }
        Row row = all.agg(aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(Column[]::new)).first();
        List<ClassifierCounts> out = new ArrayList<>();
        int per = 3 + BINS;
        for (int i = 0; i < classifiers.size(); i++) {
            ClassifierFilter.Config c = classifiers.get(i);
            int at = i * per;
            long[] histogram = new long[BINS];
            for (int b = 0; b < BINS; b++) {
                histogram[b] = row.isNullAt(at + 3 + b) ? 0 : row.getLong(at + 3 + b);
            }
            out.add(new ClassifierCounts(c.name(), c.model(), c.threshold(), c.drop().name().toLowerCase(Locale.ROOT),
                    row.getLong(at), droppedByReason.getOrDefault(ClassifierFilter.NAME + ":" + c.name(), 0L),
                    row.isNullAt(at + 1) ? null : row.getDouble(at + 1),
                    row.isNullAt(at + 2) ? null : row.getDouble(at + 2), histogram));
        }
        return out;
    }

    /** One line of the prepare summary. */
    String summaryLine() {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "  classifier %-10s scored %,d, dropped %,d "
                        + "(%s %.2f), mean score %s, kept %s; by tenth:", name, scored, dropped, drop, threshold,
                format(meanScore), format(meanScoreKept)));
        for (long n : histogram) {
            s.append(' ').append(n);
        }
        return s.append('\n').toString();
    }

    private static String format(Double v) {
        return v == null ? "n/a" : String.format(Locale.ROOT, "%.3f", v);
    }
}
