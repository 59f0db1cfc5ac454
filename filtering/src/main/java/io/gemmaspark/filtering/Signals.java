package io.gemmaspark.filtering;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Per-document measurements gathered while the pipeline runs: named quality measurements (inputs of the
 * {@link QualityScorer}), redaction counts by PII type and normalisation change counts. One instance per
 * document; not shared between threads.
 */
public final class Signals {
    private final Map<String, Double> measures = new LinkedHashMap<>();
    private final Map<String, Integer> redactions = new LinkedHashMap<>();
    private final Map<String, Integer> normalization = new LinkedHashMap<>();
    private String language;
    private double languageScore;

    /** Records {@code filter.measure = value}, e.g. {@code gopher_quality.stop_word_fraction}. */
    public void measure(String filter, String measure, double value) {
        measures.put(filter + "." + measure, value);
    }

    /** The document's detected language (ISO 639-1 code) and the detector's probability for it. */
    public void language(String code, double score) {
        this.language = code;
        this.languageScore = score;
    }

    /** The detected language, or null when language identification is off. */
    public String language() {
        return language;
    }

    public double languageScore() {
        return languageScore;
    }

    public void redacted(String type, int count) {
        if (count > 0) {
            redactions.merge(type, count, Integer::sum);
        }
    }

    public void normalized(String change, int count) {
        if (count > 0) {
            normalization.merge(change, count, Integer::sum);
        }
    }

    public Map<String, Double> measures() {
        return measures;
    }

    public Map<String, Integer> redactions() {
        return redactions;
    }

    public Map<String, Integer> normalization() {
        return normalization;
    }
}
