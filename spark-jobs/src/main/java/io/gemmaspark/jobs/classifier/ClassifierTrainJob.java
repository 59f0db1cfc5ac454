package io.gemmaspark.jobs.classifier;

import static org.apache.spark.ml.functions.vector_to_array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.gemmaspark.filtering.classifier.LinearTextClassifier;
import io.gemmaspark.filtering.classifier.TextFeatures;
import io.gemmaspark.training.metrics.CalibrationPlot;
import io.gemmaspark.util.AtomicOutput;
import io.gemmaspark.util.Json;
import io.gemmaspark.util.UserError;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.feature.NGram;
import org.apache.spark.ml.feature.Normalizer;
import org.apache.spark.ml.feature.RegexTokenizer;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * {@code classifier-train}: a binary text classifier from labelled JSONL, with Spark MLlib.
 *
 * <pre>
 * read (every line a record or a bad record with file:line and reason)
 *   → seeded held-out split (a hash of text and seed: the same records whatever the partitioning or the data's path, and
 *     exact duplicates never straddle the split)
 *   → Pipeline: lower(substring(text)) → RegexTokenizer → NGram → HashingTF per order → VectorAssembler
 *               → Normalizer(p=2) → LogisticRegression
 *   → held-out precision/recall/F1/AUC, confusion matrix, calibration
 *   → DIR/model (PipelineModel), classifier.json, metrics.json, calibration.png, _SUCCESS (atomically)
 * </pre>
 *
 * classifier.json is the exported linear model that prepare scores with ({@link LinearTextClassifier}); the job
 * checks it against the PipelineModel on held-out records before committing, so a mismatch never ships.
 */
public final class ClassifierTrainJob {
    static final String TEXT_COLUMN = "text";
    private static final int PARITY_RECORDS = 50;
    private static final double PARITY_TOLERANCE = 1e-9;
    private static final int BAD_SAMPLES = 10;
    /** metrics.json's keys, records' components included, are snake_case like the YAML they came from. */
    private static final ObjectMapper SNAKE_CASE = Json.MAPPER.copy()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    /**
     * @param data       labelled JSONL: files, directories or globs on any Hadoop file system
     * @param labelField the JSONL field holding the label
     * @param strict     fail on the first bad record instead of counting it
     */
    public record Request(List<String> data, String labelField, String out, boolean strict, boolean overwrite,
                         ClassifierTrainSettings settings) {
    }

    /** A line that is not a training record. */
    public record BadRecord(String location, String reason, String detail) {
    }

    /** What a run did; {@link #metrics()} is also in DIR/metrics.json. */
    public record Result(String out, String negativeLabel, String positiveLabel, long records,
                         Map<String, Long> badByReason, List<BadRecord> badSamples, Map<String, Long> trainByLabel,
                         Map<String, Long> heldOutByLabel, HeldOutMetrics metrics, int nonZeroCoefficients,
                         double seconds) {
    }

    private ClassifierTrainJob() {
    }

    public static Result run(SparkSession spark, Request request) {
        long started = System.nanoTime();
        ClassifierTrainSettings settings = request.settings();
        Dataset<Row> all = LabelledRecords.read(spark, request.data(), settings.textField(), request.labelField())
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            Map<String, Long> badByReason = new LinkedHashMap<>();
            for (LabelledRecords.Failure failure : LabelledRecords.Failure.values()) {
                badByReason.put(failure.reason(), 0L);
            }
            long records = 0;
            for (Row r : all.groupBy("reason").count().collectAsList()) {
                records += r.getLong(1);
                if (!r.isNullAt(0)) {
                    badByReason.put(r.getString(0), r.getLong(1));
                }
            }
            List<BadRecord> badSamples = new ArrayList<>();
            for (Row r : all.filter(col("reason").isNotNull()).orderBy("file", "line")
                    .select("file", "line", "reason", "detail").limit(BAD_SAMPLES).collectAsList()) {
                badSamples.add(new BadRecord(r.getString(0) + ":" + r.getLong(1), r.getString(2), r.getString(3)));
            }
            if (request.strict() && !badSamples.isEmpty()) {
                BadRecord first = badSamples.get(0);
                throw new UserError(first.location() + ": " + first.reason()
                        + (first.detail() == null ? "" : " (" + first.detail() + ")") + "; stopped by --strict");
            }
            Dataset<Row> valid = all.filter(col("reason").isNull());
            Map<String, Long> byLabel = new TreeMap<>();
            for (Row r : valid.groupBy("label").count().collectAsList()) {
                byLabel.put(r.getString(0), r.getLong(1));
            }
            String data = String.join(", ", request.data());
            if (byLabel.size() != 2) {
                throw new UserError(data + ": field '" + request.labelField() + "' has " + byLabel.size()
                        + " distinct values " + byLabel + " in " + records + " lines; classifier-train trains a "
                        + "binary classifier and needs exactly 2");
            }
            String positive = settings.positiveLabel() != null ? settings.positiveLabel()
                    : ((TreeMap<String, Long>) byLabel).lastKey();
            if (!byLabel.containsKey(positive)) {
                throw new UserError("positive_label '" + positive + "' is not a value of field '"
                        + request.labelField() + "' in " + data + " " + byLabel.keySet());
            }
            String negative = byLabel.keySet().stream().filter(l -> !l.equals(positive)).findFirst().orElseThrow();

            long buckets = 1_000_000;
            Dataset<Row> labelled = valid
                    .withColumn("y", when(col("label").equalTo(positive), 1.0).otherwise(0.0))
                    .withColumn("held_out", pmod(xxhash64(col("text"), lit(settings.seed())), lit(buckets))
                            .lt(Math.round(settings.heldOutFraction() * buckets)));
            Map<String, Long> trainByLabel = new TreeMap<>();
            Map<String, Long> heldOutByLabel = new TreeMap<>();
            for (Row r : labelled.groupBy("held_out", "label").count().collectAsList()) {
                (r.getBoolean(0) ? heldOutByLabel : trainByLabel).put(r.getString(1), r.getLong(2));
            }
            if (trainByLabel.size() < 2 || heldOutByLabel.isEmpty()) {
                throw new UserError(data + ": too few records to train and evaluate (train " + trainByLabel
                        + ", held out " + heldOutByLabel + ")");
            }

            PipelineModel model = pipeline(settings).fit(labelled.filter(not(col("held_out"))));
            Dataset<Row> scored = model.transform(labelled.filter(col("held_out")))
                    .withColumn("p", vector_to_array(col("probability"), "float64").getItem(1))
                    .select("file", "line", TEXT_COLUMN, "y", "p")
                    .persist(StorageLevel.MEMORY_AND_DISK());
            HeldOutMetrics metrics = HeldOutMetrics.of(scored, settings.calibrationBins());
            LinearTextClassifier exported = export(model, settings.features(), negative, positive);
            checkParity(exported, scored.limit(PARITY_RECORDS).collectAsList());
            scored.unpersist();

            double seconds = (System.nanoTime() - started) / 1e9;
            Result result = new Result(request.out(), negative, positive, records, badByReason, badSamples,
                    trainByLabel, heldOutByLabel, metrics, exported.nonZero(), seconds);
            write(spark, request, model, exported, result);
            return result;
        } finally {
            all.unpersist();
        }
    }

    /** The MLlib pipeline that {@link TextFeatures} describes, ending in logistic regression on column y. */
    static Pipeline pipeline(ClassifierTrainSettings settings) {
        TextFeatures f = settings.features();
        List<PipelineStage> stages = new ArrayList<>();
        stages.add(new SQLTransformer().setStatement("SELECT *, lower(substring(" + TEXT_COLUMN + ", 1, "
                + f.maxChars() + ")) AS features_text FROM __THIS__"));
        List<String> termColumns = new ArrayList<>();
        addTokens(stages, termColumns, "words", f.tokenPattern(), f.wordNgrams());
        addTokens(stages, termColumns, "chars", "", f.charNgrams());
        List<String> tfColumns = new ArrayList<>();
        for (String terms : termColumns) {
            stages.add(new HashingTF().setInputCol(terms).setOutputCol("tf_" + terms).setNumFeatures(f.numFeatures()));
            tfColumns.add("tf_" + terms);
        }
        stages.add(new VectorAssembler().setInputCols(tfColumns.toArray(String[]::new)).setOutputCol("tf"));
        stages.add(new Normalizer().setP(2.0).setInputCol("tf").setOutputCol("features"));
        ClassifierTrainSettings.LogisticRegression lr = settings.logisticRegression();
        stages.add(new LogisticRegression().setFamily("binomial").setFeaturesCol("features").setLabelCol("y")
                .setRegParam(lr.regParam()).setElasticNetParam(lr.elasticNetParam()).setMaxIter(lr.maxIter())
                .setStandardization(lr.standardization()));
        return new Pipeline().setStages(stages.toArray(PipelineStage[]::new));
    }

    /** A tokenizer (gaps = the pattern; the empty pattern splits characters) and one n-gram column per order. */
    private static void addTokens(List<PipelineStage> stages, List<String> termColumns, String name, String pattern,
                                  List<Integer> orders) {
        if (orders.isEmpty()) {
            return;
        }
        stages.add(new RegexTokenizer().setInputCol("features_text").setOutputCol(name).setPattern(pattern)
                .setGaps(true).setToLowercase(false).setMinTokenLength(1));
        for (int n : orders) {
            String column = name + "_" + n;
            stages.add(new NGram().setN(n).setInputCol(name).setOutputCol(column));
            termColumns.add(column);
        }
    }

    /** The fitted logistic regression as the plain-Java model prepare scores with. */
    static LinearTextClassifier export(PipelineModel model, TextFeatures features, String negative, String positive) {
        LogisticRegressionModel lr = (LogisticRegressionModel) model.stages()[model.stages().length - 1];
        SparseVector coefficients = lr.coefficients().toSparse();
        return new LinearTextClassifier(features, List.of(negative, positive), lr.intercept(), coefficients.indices(),
                coefficients.values());
    }

    /** The exported model must give the PipelineModel's probabilities; anything else is a bug, not a user error. */
    private static void checkParity(LinearTextClassifier exported, List<Row> scored) {
        for (Row r : scored) {
            double spark = r.getDouble(4);
            double java = exported.probability(r.getString(2));
            if (Math.abs(spark - java) > PARITY_TOLERANCE) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "%s:%d: exported classifier gives %.12f, the PipelineModel %.12f", r.getString(0),
                        r.getLong(1), java, spark));
            }
        }
    }

    private static void write(SparkSession spark, Request request, PipelineModel model, LinearTextClassifier exported,
                              Result result) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        try (AtomicOutput output = AtomicOutput.begin(request.out(), conf, request.overwrite())) {
            Path temp = output.tempPath();
            try {
                model.write().save(new Path(temp, "model").toString());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the model under " + temp, e);
            }
            Path json = new Path(temp, LinearTextClassifier.FILE);
            try (OutputStream out = json.getFileSystem(conf).create(json, false)) {
                out.write(exported.toJson().getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + json, e);
            }
            Json.write(SNAKE_CASE.convertValue(metricsJson(request, result), Map.class), new Path(temp, "metrics.json"),
                    conf);
            CalibrationPlot.write(result.metrics().calibration(), "held-out calibration: P(" + result.positiveLabel()
                    + ")", new Path(temp, "calibration.png").toString(), conf);
            output.commit();
        }
    }

    private static Map<String, Object> metricsJson(Request request, Result result) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job", "classifier-train");
        m.put("data", Map.of("arguments", request.data(), "label_field", request.labelField(),
                "text_field", request.settings().textField(), "lines", result.records(),
                "bad_by_reason", result.badByReason(), "bad_samples", result.badSamples()));
        m.put("labels", Map.of("negative", result.negativeLabel(), "positive", result.positiveLabel()));
        m.put("split", Map.of("seed", request.settings().seed(), "held_out_fraction",
                request.settings().heldOutFraction(), "train_by_label", result.trainByLabel(),
                "held_out_by_label", result.heldOutByLabel()));
        HeldOutMetrics h = result.metrics();
        Map<String, Object> heldOut = new LinkedHashMap<>();
        heldOut.put("records", h.count());
        heldOut.put("threshold", h.threshold());
        heldOut.put("precision", h.precision());
        heldOut.put("recall", h.recall());
        heldOut.put("f1", h.f1());
        heldOut.put("accuracy", h.accuracy());
        heldOut.put("auc_roc", h.aucRoc());
        heldOut.put("auc_pr", h.aucPr());
        heldOut.put("confusion_matrix", Map.of(
                "rows", "actual", "columns", "predicted", "labels", List.of(result.negativeLabel(), result.positiveLabel()),
                "counts", List.of(List.of(h.trueNegatives(), h.falsePositives()),
                        List.of(h.falseNegatives(), h.truePositives()))));
        heldOut.put("calibration", h.calibration());
        m.put("held_out", heldOut);
        m.put("model", Map.of("features", request.settings().features(), "logistic_regression",
                request.settings().logisticRegression(), "non_zero_coefficients", result.nonZeroCoefficients()));
        m.put("seconds", Math.round(result.seconds() * 10) / 10.0);
        return m;
    }

    /** The summary printed at the end of a run. */
    public static String describe(Result r) {
        HeldOutMetrics h = r.metrics();
        long bad = r.badByReason().values().stream().mapToLong(Long::longValue).sum();
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
                "classifier-train: %,d lines, %,d bad, train %s, held out %s in %.1f s%n", r.records(), bad,
                r.trainByLabel(), r.heldOutByLabel(), r.seconds()));
        r.badByReason().forEach((reason, n) -> {
            if (n > 0) {
                s.append(String.format(Locale.ROOT, "  bad %-16s %,8d%n", reason, n));
            }
        });
        for (BadRecord b : r.badSamples().subList(0, Math.min(3, r.badSamples().size()))) {
            s.append("  bad input ").append(b.location()).append(": ").append(b.reason())
                    .append(b.detail() == null ? "" : " (" + b.detail() + ")").append('\n');
        }
        s.append(String.format(Locale.ROOT, "  held-out P(%s) >= %.2f: precision %s  recall %s  F1 %s  AUC %.4f  "
                        + "(confusion tn %d fp %d fn %d tp %d)%n", r.positiveLabel(), h.threshold(),
                fmt(h.precision()), fmt(h.recall()), fmt(h.f1()), h.aucRoc(), h.trueNegatives(), h.falsePositives(),
                h.falseNegatives(), h.truePositives()));
        s.append(String.format(Locale.ROOT, "  %,d non-zero coefficients; wrote %s: model/, classifier.json, "
                + "metrics.json, calibration.png, _SUCCESS%n", r.nonZeroCoefficients(), r.out()));
        return s.toString();
    }

    private static String fmt(Double v) {
        return v == null ? "n/a" : String.format(Locale.ROOT, "%.4f", v);
    }
}
