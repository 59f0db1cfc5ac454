package io.gemmaspark.filtering;

import io.gemmaspark.config.Default;
import io.gemmaspark.config.Range;
import io.gemmaspark.filtering.classifier.ClassifierFilter;
import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * Turns the measurements of a kept document into a {@code quality_score} in [0,1] and a pretraining stage.
 *
 * <p>Each configured component reads one signal (e.g. {@code gopher_quality.stop_word_fraction}) and maps it
 * linearly from its {@code bad} value (0) to its {@code good} value (1), clipped; {@code bad} may be above
 * {@code good} for signals where less is better, such as repetition. The score is the weighted mean of the
 * components whose signal was measured (a disabled filter measures nothing); with none it is 1. With
 * {@code classifier} set, the score is that classifier's score instead (model-based quality, as FineWeb-Edu).
 *
 * <p>Stages: every kept document is in stage 1; stage k+1 needs score &ge; stage_thresholds[k-1]. Pretraining
 * that runs "stage s" uses documents whose stage is &ge; s, so later stages see ever cleaner text.
 */
public final class QualityScorer implements Serializable {

    public record Component(String signal, double bad, double good, @Range(min = 0) double weight) implements Serializable {
        public Component {
            if (bad == good) {
                throw new IllegalArgumentException("signal " + signal + ": bad and good must differ");
            }
        }

        double score(double value) {
            double t = (value - bad) / (good - bad);
            return Math.max(0, Math.min(1, t));
        }
    }

    /**
     * @param stageThresholds ascending score thresholds of stages 2, 3, ...
     * @param classifier      when set, the name of a configured classifier whose score is the quality score, in
     *                        place of the components' mix
     */
    public record Config(List<Component> components, List<Double> stageThresholds,
                         @Default("null") String classifier) implements Serializable {
        public Config {
            for (int i = 0; i < stageThresholds.size(); i++) {
                double t = stageThresholds.get(i);
                if (t < 0 || t > 1 || (i > 0 && t <= stageThresholds.get(i - 1))) {
                    throw new IllegalArgumentException("stage_thresholds must be ascending values in [0, 1], got "
                            + stageThresholds);
                }
            }
        }
    }

    private final Config config;
    private final double[] thresholds;

    public QualityScorer(Config config) {
        this.config = config;
        this.thresholds = config.stageThresholds().stream().mapToDouble(Double::doubleValue).toArray();
    }

    public double score(Map<String, Double> signals) {
        if (config.classifier() != null) {
            // Every kept document passed the classifier, so its score is there.
            return signals.get(ClassifierFilter.measureOf(config.classifier()));
        }
        double weighted = 0;
        double weights = 0;
        for (Component c : config.components()) {
            Double value = signals.get(c.signal());
            if (value != null && c.weight() > 0) {
                weighted += c.weight() * c.score(value);
                weights += c.weight();
            }
        }
        return weights == 0 ? 1.0 : weighted / weights;
    }

    public int stage(double score) {
        int stage = 1;
        for (double t : thresholds) {
            if (score >= t) {
                stage++;
            }
        }
        return stage;
    }

    public int stages() {
        return thresholds.length + 1;
    }
}
