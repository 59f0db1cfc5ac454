package io.gemmaspark.jobs.prepare;

import io.gemmaspark.filtering.Document;
import io.gemmaspark.filtering.DropReason;
import io.gemmaspark.filtering.FilterOutcome;
import io.gemmaspark.filtering.FilterPipeline;
import io.gemmaspark.filtering.InputLimitFilter;
import io.gemmaspark.filtering.classifier.ClassifierFilter;
import io.gemmaspark.filtering.dedup.ExactHash;
import io.gemmaspark.filtering.normalize.TextNormalizer;
import io.gemmaspark.util.UserError;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.collection.JavaConverters;

/**
 * Runs the {@link FilterPipeline} (normalisation, input limits, PII redaction, quality and safety filters, score
 * and stage) on every raw record inside Spark tasks, and gives each kept document the exact-dedup hash of its
 * final text. Records the readers could not parse pass through with their reason.
 */
public final class DocumentProcessing {
    /** Where in the job a record was dropped. */
    public static final String STEP_READ = "read";
    public static final String STEP_FILTER = "filter";
    public static final String STEP_EXACT_DEDUP = "exact_dedup";
    public static final String STEP_NEAR_DEDUP = "near_dedup";

    /**
     * Reasons that mean the input itself is broken (what --strict refuses), not that a document is poor. Blank
     * lines and empty files are counted but not broken.
     */
    public static final Set<String> BAD_INPUT_REASONS = Stream.concat(
                    Arrays.stream(RawRecords.ReadFailure.values())
                            .filter(f -> f != RawRecords.ReadFailure.BLANK_LINE && f != RawRecords.ReadFailure.EMPTY_FILE)
                            .map(failure -> failure.reason),
                    Stream.of(InputLimitFilter.Check.EMPTY.reason, TextNormalizer.Check.INVALID_UTF8.reason))
            .map(DropReason::name).collect(Collectors.toUnmodifiableSet());

    /** Why the prepare job drops a document that passed every filter: it duplicates another kept one. */
    public enum DedupCheck {
        EXACT, NEAR;

        public final DropReason reason = DropReason.of("dedup", this);
    }

    public static final StructType SCHEMA = new StructType()
            .add("file", DataTypes.StringType, false)
            .add("line", DataTypes.LongType, false)
            .add("location", DataTypes.StringType, false)
            .add("id", DataTypes.StringType, false)
            .add("source", DataTypes.StringType, true)
            .add("text", DataTypes.StringType, true)
            .add("reason", DataTypes.StringType, true)
            .add("detail", DataTypes.StringType, true)
            .add("step", DataTypes.StringType, true)
            .add("quality_score", DataTypes.DoubleType, false)
            .add("stage", DataTypes.IntegerType, false)
            .add("n_chars", DataTypes.IntegerType, false)
            .add("n_words", DataTypes.IntegerType, false)
            .add("redactions", DataTypes.createMapType(DataTypes.StringType, DataTypes.IntegerType), false)
            .add("normalization", DataTypes.createMapType(DataTypes.StringType, DataTypes.IntegerType), false)
            .add("exact_hash", DataTypes.StringType, true)
            .add("language", DataTypes.StringType, true)
            .add("language_score", DataTypes.DoubleType, true);

    private DocumentProcessing() {
    }

    /** The {@code <name>_score} column of each configured classifier, in pipeline order. */
    public static List<String> classifierScoreColumns(FilterPipeline pipeline) {
        return pipeline.config().classifiers().stream().map(c -> c.name() + "_score").toList();
    }

    /** {@link #SCHEMA} and one nullable score column per classifier (null where the classifier did not run). */
    public static StructType schema(FilterPipeline pipeline) {
        StructType schema = SCHEMA;
        for (String column : classifierScoreColumns(pipeline)) {
            if (Arrays.asList(schema.fieldNames()).contains(column)) {
                throw new UserError("classifiers: a classifier named '" + column.replaceAll("_score$", "")
                        + "' would write a column " + column + ", which prepare already writes; rename it");
            }
            schema = schema.add(column, DataTypes.DoubleType, true);
        }
        return schema;
    }

    /** @param raw rows of {@link RawRecords#SCHEMA} */
    public static Iterator<Row> process(Iterator<Row> raw, FilterPipeline pipeline) {
        return RawRecords.map(raw, row -> process(row, pipeline));
    }

    static Row process(Row raw, FilterPipeline pipeline) {
        String file = raw.getString(0);
        long line = raw.getLong(1);
        String location = RawRecords.location(file, line);
        String id = raw.isNullAt(2) ? location : raw.getString(2);
        String source = raw.getString(3);
        if (!raw.isNullAt(6)) {
            return withScores(pipeline, null, file, line, location, id, source, null, raw.getString(6),
                    raw.getString(7), STEP_READ, 0.0, 0, 0, 0, scalaMap(Map.of()), scalaMap(Map.of()), null, null, null);
        }
        FilterOutcome outcome = pipeline.process(new Document(id, raw.getString(5), source, raw.getString(4), location));
        String text = outcome.document().text();
        Double languageScore = outcome.language() == null ? null : outcome.languageScore();
        if (!outcome.kept()) {
            // Records dropped before redaction must not carry their raw text into rejected/.
            return withScores(pipeline, outcome, file, line, location, id, source, outcome.redacted() ? text : null,
                    outcome.dropReason(), null, STEP_FILTER, 0.0, 0, outcome.nChars(), outcome.nWords(),
                    scalaMap(outcome.redactions()), scalaMap(outcome.normalization()), null, outcome.language(),
                    languageScore);
        }
        return withScores(pipeline, outcome, file, line, location, id, source, text, null, null, null, outcome.qualityScore(),
                outcome.stage(), outcome.nChars(), outcome.nWords(), scalaMap(outcome.redactions()),
                scalaMap(outcome.normalization()), ExactHash.of(text), outcome.language(), languageScore);
    }

    /** The row of {@link #schema}: {@code base} then each classifier's score from the outcome's measurements. */
    private static Row withScores(FilterPipeline pipeline, FilterOutcome outcome, Object... base) {
        List<ClassifierFilter.Config> classifiers = pipeline.config().classifiers();
        Object[] values = Arrays.copyOf(base, base.length + classifiers.size());
        for (int i = 0; i < classifiers.size(); i++) {
            values[base.length + i] = outcome == null ? null
                    : outcome.signals().get(ClassifierFilter.measureOf(classifiers.get(i).name()));
        }
        return RowFactory.create(values);
    }

    private static scala.collection.Map<String, Integer> scalaMap(Map<String, Integer> map) {
        return JavaConverters.mapAsScalaMapConverter(map).asScala();
    }
}
