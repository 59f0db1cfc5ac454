package io.gemmaspark.filtering;

import io.gemmaspark.config.ConfigException;
import io.gemmaspark.filtering.classifier.ClassifierFilter;
import io.gemmaspark.filtering.language.LanguageFilter;
import io.gemmaspark.filtering.normalize.InvalidUtf8Exception;
import io.gemmaspark.filtering.normalize.TextNormalizer;
import io.gemmaspark.filtering.quality.C4QualityFilter;
import io.gemmaspark.filtering.quality.GopherQualityFilter;
import io.gemmaspark.filtering.quality.GopherRepetitionFilter;
import io.gemmaspark.filtering.safety.BlocklistFilter;
import io.gemmaspark.filtering.safety.PiiRedactor;
import io.gemmaspark.filtering.text.ParsedText;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Runs every enabled filter on a document, in a fixed order: input limits, normalisation, PII redaction, language
 * identification, Gopher repetition, Gopher quality, C4 line cleaning, blocklist, then the trained classifiers in
 * their configured order (the blocklist is the cheap first pass; a classifier scores the text C4 leaves). The first
 * drop ends processing and names the reason;
 * a kept document gets its final text, quality score and stage.
 *
 * <p>Redaction runs before the quality filters so that no output, not even the optional rejected/ rows, holds
 * unredacted PII. The repetition and quality rules see the text before C4 removes lines, as in DataTrove's
 * Gopher-then-C4 order.
 *
 * <p>Build it once on the driver with {@link #fromConfig} (word lists are read then) and ship it to executors:
 * it is Serializable and immutable, and {@link #process} is safe to call from many threads.
 */
public final class FilterPipeline implements Serializable {
    /** Why the pipeline itself drops a document, after every filter kept it. */
    public enum Check {
        EMPTY_AFTER_FILTERING;

        public final DropReason reason = DropReason.of("pipeline", this);
    }

    /** The name of {@link Check#EMPTY_AFTER_FILTERING}, as reports show it. */
    public static final String EMPTY_AFTER_FILTERING = Check.EMPTY_AFTER_FILTERING.reason.name();

    private final FilterConfig config;
    /** Input limits and normalisation: everything that must happen before exact deduplication. */
    private final List<DocumentFilter> normalizers;
    /** Redaction, quality and safety filters. */
    private final List<DocumentFilter> filters;
    private final QualityScorer scorer;

    private FilterPipeline(FilterConfig config, List<DocumentFilter> normalizers, List<DocumentFilter> filters,
                           QualityScorer scorer) {
        this.config = config;
        this.normalizers = List.copyOf(normalizers);
        this.filters = List.copyOf(filters);
        this.scorer = scorer;
    }

    public static FilterPipeline fromConfig(FilterConfig config) {
        record Step(boolean enabled, DocumentFilter filter) {
        }
        List<DocumentFilter> normalizers = new ArrayList<>(List.of(new InputLimitFilter(config.input())));
        if (config.normalize().enabled()) {
            normalizers.add(new TextNormalizer(config.normalize()));
        }
        List<Step> steps = new ArrayList<>(List.of(
                new Step(config.pii().enabled(), new PiiRedactor(config.pii())),
                new Step(config.language().enabled(), new LanguageFilter(config.language())),
                new Step(config.gopherRepetition().enabled(), new GopherRepetitionFilter(config.gopherRepetition())),
                new Step(config.gopherQuality().enabled(), new GopherQualityFilter(config.gopherQuality())),
                new Step(config.c4Quality().enabled(), new C4QualityFilter(config.c4Quality())),
                new Step(config.blocklist().enabled(), new BlocklistFilter(config.blocklist()))));
        Set<String> classifierNames = new HashSet<>();
        for (int i = 0; i < config.classifiers().size(); i++) {
            ClassifierFilter.Config c = config.classifiers().get(i);
            if (!classifierNames.add(c.name())) {
                throw new ConfigException("key 'classifiers[" + i + "].name': '" + c.name() + "' is used twice");
            }
            try {
                steps.add(new Step(true, ClassifierFilter.load(c)));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("key 'classifiers[" + i + "]': " + e.getMessage());
            }
        }
        String qualityClassifier = config.qualityScore().classifier();
        if (qualityClassifier != null && !classifierNames.contains(qualityClassifier)) {
            throw new ConfigException("key 'quality_score.classifier': '" + qualityClassifier
                    + "' is not a configured classifier; expected one of " + classifierNames.stream().sorted().toList());
        }
        Set<String> knownMeasures = new HashSet<>();
        List<DocumentFilter> active = new ArrayList<>();
        for (Step step : steps) {
            step.filter().measures().forEach(m -> knownMeasures.add(step.filter().name() + "." + m));
            if (step.enabled()) {
                active.add(step.filter());
            }
        }
        List<QualityScorer.Component> components = config.qualityScore().components();
        for (int i = 0; i < components.size(); i++) {
            String signal = components.get(i).signal();
            if (!knownMeasures.contains(signal)) {
                throw new ConfigException("key 'quality_score.components[" + i
                        + "].signal': unknown signal '" + signal + "'; expected one of "
                        + knownMeasures.stream().sorted().toList());
            }
        }
        return new FilterPipeline(config, normalizers, active, new QualityScorer(config.qualityScore()));
    }

    /** Loads conf/filters/NAME.yaml (or a path) with --set style overrides and builds the pipeline. */
    public static FilterPipeline load(String reference, List<String> overrides) {
        FilterConfig config = FilterConfig.load(reference, overrides);
        try {
            return fromConfig(config);
        } catch (ConfigException e) {
            throw new ConfigException(reference + ": " + e.getMessage());
        }
    }

    public FilterConfig config() {
        return config;
    }

    /** The enabled filters in the order they run, normalisation first. */
    public List<DocumentFilter> filters() {
        List<DocumentFilter> all = new ArrayList<>(normalizers);
        all.addAll(filters);
        return all;
    }

    public QualityScorer scorer() {
        return scorer;
    }

    /** Every drop reason the enabled filters can produce, in pipeline order, for zero-filled reports. */
    public List<DropReason> dropReasons() {
        List<DropReason> reasons = new ArrayList<>();
        for (DocumentFilter filter : filters()) {
            reasons.addAll(filter.dropReasons());
        }
        reasons.addAll(DropReason.allOf("pipeline", Check.values()));
        return reasons;
    }

    /** The names ({@code filter:check}) of {@link #dropReasons()}. */
    public List<String> reasons() {
        return dropReasons().stream().map(DropReason::name).toList();
    }

    /**
     * Normalises and filters one document: {@link #normalize} then {@link #filter}. Use this when no
     * deduplication runs in between.
     *
     * @throws InvalidUtf8Exception under invalid_utf8: fail, naming the document's location
     */
    public FilterOutcome process(Document document) {
        FilterOutcome normalized = normalize(document);
        if (!normalized.kept()) {
            return normalized;
        }
        Signals signals = new Signals();
        normalized.normalization().forEach(signals::normalized);
        return run(filters, normalized.document(), signals, true, true);
    }

    /**
     * Input limits and normalisation only: the text that exact and near-duplicate hashing must see. A kept
     * outcome carries the normalised document and the normalisation counts; score and stage are 0.
     */
    public FilterOutcome normalize(Document document) {
        return run(normalizers, document, new Signals(), false, false);
    }

    /**
     * Redaction, quality and safety filters, score and stage, on a document already passed through
     * {@link #normalize} (normalisation is not repeated, so its counts are not doubled).
     */
    public FilterOutcome filter(Document normalizedDocument) {
        return run(filters, normalizedDocument, new Signals(), true, true);
    }

    /**
     * @param score    whether a kept document gets its quality score and stage
     * @param redacted whether {@code steps} contain the redaction point (PII redaction runs first among the
     *                 filters), so that their outcomes' text is safe to write out
     */
    private FilterOutcome run(List<DocumentFilter> steps, Document document, Signals signals, boolean score,
                              boolean redacted) {
        ParsedText parsed = ParsedText.of(document.text());
        for (DocumentFilter filter : steps) {
            FilterDecision decision;
            try {
                decision = filter.apply(parsed, signals);
            } catch (InvalidUtf8Exception e) {
                throw new InvalidUtf8Exception(where(document) + e.getMessage());
            }
            if (!decision.kept()) {
                return outcome(document, parsed, decision.reason(), redacted, signals, false);
            }
            if (!decision.text().equals(parsed.text())) {
                parsed = ParsedText.of(decision.text());
            }
        }
        if (parsed.text().isBlank()) {
            DropReason empty = score ? Check.EMPTY_AFTER_FILTERING.reason : InputLimitFilter.Check.EMPTY.reason;
            return outcome(document, parsed, empty, redacted, signals, false);
        }
        return outcome(document, parsed, null, redacted, signals, score);
    }

    private FilterOutcome outcome(Document document, ParsedText parsed, DropReason reason, boolean redacted,
                                  Signals signals, boolean scored) {
        double score = scored ? scorer.score(signals.measures()) : 0.0;
        int stage = scored ? scorer.stage(score) : 0;
        return new FilterOutcome(document.withText(parsed.text()), reason, redacted, score, stage, parsed.length(),
                parsed.wordCount(), Collections.unmodifiableMap(signals.measures()),
                Collections.unmodifiableMap(signals.redactions()), Collections.unmodifiableMap(signals.normalization()),
                signals.language(), signals.languageScore());
    }

    private static String where(Document document) {
        if (document.location() != null) {
            return document.location() + ": ";
        }
        return document.id() != null ? "document " + document.id() + ": " : "";
    }
}
