package io.gemmaspark.filtering.classifier;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.gemmaspark.config.ConfigException;
import io.gemmaspark.config.ConfigLoader;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;

/**
 * A binary logistic-regression text classifier as {@code classifier-train} exports it ({@code classifier.json}):
 * hashed term counts ({@link TextFeatures}), L2-normalised, dotted with the coefficients, plus the intercept,
 * through the logistic function. The probability is that of {@code labels[1]}, the positive label of training.
 *
 * <p>Identical, to rounding, to the probability MLlib's PipelineModel gives the same text (HashingTF,
 * VectorAssembler, Normalizer(p=2), LogisticRegressionModel); it exists so that prepare scores each record in
 * plain Java inside its tasks, without a DataFrame round trip per classifier. Immutable and thread-safe.
 *
 * <p>Stored as the feature definition, the labels [negative, positive], the intercept and the non-zero
 * coefficients (ascending feature indices and their values).
 */
public final class LinearTextClassifier implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String FILE = "classifier.json";
    static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private final TextFeatures features;
    private final List<String> labels;
    private final double intercept;
    private final int[] indices;
    private final double[] values;
    /** The coefficients as a dense array, built on first use in each JVM that receives the model. */
    private transient volatile double[] dense;

    public LinearTextClassifier(TextFeatures features, List<String> labels, double intercept, int[] indices,
                                double[] values) {
        if (labels.size() != 2) {
            throw new IllegalArgumentException("a binary classifier needs exactly 2 labels, got " + labels);
        }
        if (indices.length != values.length) {
            throw new IllegalArgumentException("coefficients: " + indices.length + " indices but " + values.length
                    + " values");
        }
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] < 0 || indices[i] >= features.dimension() || (i > 0 && indices[i] <= indices[i - 1])) {
                throw new IllegalArgumentException("coefficients: index " + indices[i] + " at position " + i
                        + " is not ascending within [0, " + features.dimension() + ")");
            }
        }
        this.features = features;
        this.labels = List.copyOf(labels);
        this.intercept = intercept;
        this.indices = indices.clone();
        this.values = values.clone();
    }

    public TextFeatures features() {
        return features;
    }

    /** [negative, positive]. */
    public List<String> labels() {
        return labels;
    }

    public double intercept() {
        return intercept;
    }

    /** Non-zero coefficients. */
    public int nonZero() {
        return indices.length;
    }

    /** The label whose probability {@link #probability} gives. */
    public String positiveLabel() {
        return labels.get(1);
    }

    /** P(labels[1] | text). */
    public double probability(String text) {
        return 1.0 / (1.0 + Math.exp(-margin(text)));
    }

    /** The probability of {@code label}, one of {@link #labels()}. */
    public double probability(String text, String label) {
        int i = labels.indexOf(label);
        if (i < 0) {
            throw new IllegalArgumentException("label '" + label + "' is not one of " + labels);
        }
        double p = probability(text);
        return i == 1 ? p : 1 - p;
    }

    private double margin(String text) {
        double[] coefficients = dense();
        Counts counts = Counts.forThread(features.dimension());
        double[] dotAndSquares = new double[2];
        try {
            features.forEachIndex(text, index -> {
                int before = counts.increment(index);
                dotAndSquares[0] += coefficients[index];
                dotAndSquares[1] += 2 * before + 1; // (c + 1)^2 - c^2: the squared norm grows as counts do
            });
        } finally {
            counts.reset();
        }
        double squares = dotAndSquares[1];
        // Spark's Normalizer leaves an all-zero vector as it is.
        return intercept + (squares == 0 ? 0 : dotAndSquares[0] / Math.sqrt(squares));
    }

    /** Serialised and stored the coefficients stay sparse; scoring looks them up in a dense copy. */
    private double[] dense() {
        double[] d = dense;
        if (d == null) {
            d = new double[features.dimension()];
            for (int i = 0; i < indices.length; i++) {
                d[indices[i]] = values[i];
            }
            dense = d;
        }
        return d;
    }

    /**
     * Term counts of the document being scored, in a dense array kept per thread (no sorting, no map), with the
     * list of touched indices so that resetting costs as much as the document, not the dimension.
     */
    private static final class Counts {
        private static final ThreadLocal<Counts> PER_THREAD = ThreadLocal.withInitial(Counts::new);
        private int[] counts = new int[0];
        private int[] touched = new int[256];
        private int size;

        static Counts forThread(int dimension) {
            Counts c = PER_THREAD.get();
            if (c.counts.length < dimension) {
                c.counts = new int[dimension];
            }
            return c;
        }

        /** Adds one occurrence and returns the count before it. */
        int increment(int index) {
            int before = counts[index]++;
            if (before == 0) {
                if (size == touched.length) {
                    touched = Arrays.copyOf(touched, 2 * size);
                }
                touched[size++] = index;
            }
            return before;
        }

        void reset() {
            for (int i = 0; i < size; i++) {
                counts[touched[i]] = 0;
            }
            size = 0;
        }
    }

    /** The JSON form of {@code classifier.json}. */
    record Stored(String format, TextFeatures features, List<String> labels, double intercept, int[] indices,
                  double[] values) {
    }

    static final String FORMAT = "gemma-spark linear text classifier v1";

    public String toJson() {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(
                    new Stored(FORMAT, features, labels, intercept, indices, values));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static LinearTextClassifier fromJson(InputStream in, String description) {
        try {
            Stored s = JSON.readValue(in, Stored.class);
            if (!FORMAT.equals(s.format())) {
                throw new ConfigException(description + ": format '" + s.format() + "', expected '" + FORMAT + "'");
            }
            return new LinearTextClassifier(s.features(), s.labels(), s.intercept(), s.indices(), s.values());
        } catch (IOException | IllegalArgumentException | NullPointerException e) {
            throw new ConfigException(description + ": not a classifier written by classifier-train: " + e.getMessage());
        }
    }

    /**
     * Loads a model: a directory written by classifier-train (its classifier.json), or the JSON file itself; a path,
     * else a name under conf/ (e.g. classifiers/quality), else the copy of conf/ packaged in the jar.
     */
    public static LinearTextClassifier load(String reference) {
        String file = reference.endsWith(".json") ? reference : reference.replaceAll("/+$", "") + "/" + FILE;
        ConfigLoader.ConfFile conf = ConfigLoader.open(file);
        try (InputStream in = conf.stream()) {
            return fromJson(in, conf.description());
        } catch (IOException e) {
            throw new ConfigException(conf.description() + ": cannot read: " + e.getMessage());
        }
    }
}
