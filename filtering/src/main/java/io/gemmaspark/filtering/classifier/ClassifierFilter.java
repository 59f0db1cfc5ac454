package io.gemmaspark.filtering.classifier;

import io.gemmaspark.config.Default;
import io.gemmaspark.config.Range;
import io.gemmaspark.filtering.DocumentFilter;
import io.gemmaspark.filtering.DropReason;
import io.gemmaspark.filtering.FilterDecision;
import io.gemmaspark.filtering.Signals;
import io.gemmaspark.filtering.text.ParsedText;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Scores every document with one trained text classifier ({@link LinearTextClassifier}, written by
 * {@code classifier-train}) and drops it as {@code classifier:<name>} when the score is on the dropping side of the
 * threshold. The score, the probability of the configured positive label, is recorded as the measurement
 * {@code classifier.<name>}: prepare writes it as the {@code <name>_score} column of kept and rejected rows, and
 * {@code quality_score.classifier} can make it the quality score.
 *
 * <p>The model is read when the filter is built, on the driver, and travels with the pipeline to the executors.
 */
public final class ClassifierFilter implements DocumentFilter {
    private static final long serialVersionUID = 1L;
    public static final String NAME = "classifier";
    private static final Pattern VALID_NAME = Pattern.compile("[a-z][a-z0-9_]*");

    /** Which side of the threshold drops a document. */
    public enum DropWhen {
        /** score &lt; threshold drops (a quality classifier whose positive label is the good text) */
        BELOW,
        /** score &gt; threshold drops (a safety classifier whose positive label is the unsafe text) */
        ABOVE,
        /** never drops: the score is only recorded */
        NEVER
    }

    /**
     * @param name          names the drop reason (classifier:NAME), the measurement and the NAME_score column
     * @param model         a classifier-train output directory or its classifier.json: a path, or a name under
     *                      conf/ (e.g. classifiers/quality)
     * @param threshold     the score that separates kept from dropped
     * @param positiveLabel the label whose probability is the score; null for the model's positive label
     * @param drop          below | above | never
     * @param languages     the detected languages the model was trained on and applies to (ISO 639-1 codes); a
     *                      document in another language is neither scored nor dropped. Empty: every document.
     */
    public record Config(String name, String model, @Range(min = 0, max = 1) double threshold,
                         @Default("null") String positiveLabel, DropWhen drop,
                         @Default("[]") List<String> languages) implements Serializable {
        public Config {
            if (name == null || !VALID_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("name '" + name + "' must be lower-case letters, digits and _ "
                        + "(it names a column and a drop reason)");
            }
            languages = languages == null ? new ArrayList<>() : new ArrayList<>(languages); // mutable: Kryo
        }
    }

    private final Config config;
    private final LinearTextClassifier model;
    private final String positiveLabel;
    private final DropReason reason;

    public ClassifierFilter(Config config, LinearTextClassifier model) {
        this.config = config;
        this.model = model;
        this.positiveLabel = config.positiveLabel() == null ? model.positiveLabel() : config.positiveLabel();
        if (!model.labels().contains(positiveLabel)) {
            throw new IllegalArgumentException("positive_label '" + positiveLabel + "' is not a label of "
                    + config.model() + " " + model.labels());
        }
        this.reason = new DropReason(NAME, config.name());
    }

    /** Loads the model named in the configuration. */
    public static ClassifierFilter load(Config config) {
        return new ClassifierFilter(config, LinearTextClassifier.load(config.model()));
    }

    /** The measurement ({@link Signals#measures()} key) that holds a classifier's score. */
    public static String measureOf(String classifierName) {
        return NAME + "." + classifierName;
    }

    @Override
    public String name() {
        return NAME;
    }

    public Config config() {
        return config;
    }

    @Override
    public List<String> measures() {
        return List.of(config.name());
    }

    @Override
    public FilterDecision apply(ParsedText text, Signals signals) {
        if (!config.languages().isEmpty() && signals.language() != null
                && !config.languages().contains(signals.language())) {
            return FilterDecision.keep(text.text()); // a model of other languages' text has nothing to say here
        }
        double score = model.probability(text.text(), positiveLabel);
        signals.measure(NAME, config.name(), score);
        boolean drop = switch (config.drop()) {
            case BELOW -> score < config.threshold();
            case ABOVE -> score > config.threshold();
            case NEVER -> false;
        };
        return drop ? FilterDecision.drop(reason) : FilterDecision.keep(text.text());
    }

    @Override
    public List<DropReason> dropReasons() {
        return config.drop() == DropWhen.NEVER ? List.of() : List.of(reason);
    }
}
