package io.gemmaspark.filtering.language;

import io.gemmaspark.config.Range;
import io.gemmaspark.filtering.DeclaredChecksFilter;
import io.gemmaspark.filtering.DropReason;
import io.gemmaspark.filtering.FilterDecision;
import io.gemmaspark.filtering.Signals;
import io.gemmaspark.filtering.text.ParsedText;
import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Labels every document with its language and the detector's probability ({@link LanguageIdentifier}), and
 * keeps only the configured languages. A document in another language is dropped as {@code language:<code>}
 * (e.g. {@code language:de}); one whose most probable language is below min_confidence, or that has no
 * detectable language, is dropped as {@code language:unknown}. Both kinds of rows carry the language and score.
 *
 * <p>Later filters read the language from {@link Signals#language()}: rules defined for one language (the Gopher
 * stop words) apply only to documents in that language.
 */
public final class LanguageFilter extends DeclaredChecksFilter {
    public static final String NAME = "language";

    /**
     * The reason for documents without a confident language, the only one in the manifest's zero-filled list:
     * the language:CODE reasons are as many as the detector's languages, so the manifest lists those that occur.
     */
    public enum Check {
        UNKNOWN;

        public final DropReason reason = DropReason.of(NAME, this);
    }

    /**
     * @param languages     ISO 639-1 codes to keep; empty keeps every document, labelled, whatever its language
     * @param minConfidence the detector's probability below which a document counts as language:unknown
     */
    public record Config(boolean enabled, List<String> languages, @Range(min = 0, max = 1) double minConfidence)
            implements Serializable {
        public Config {
            List<String> supported = LanguageIdentifier.supportedLanguages();
            for (String language : languages) {
                if (!supported.contains(language.toLowerCase(Locale.ROOT))) {
                    throw new IllegalArgumentException("languages: '" + language + "' is not a language the detector "
                            + "knows; expected ISO 639-1 codes among " + supported);
                }
            }
        }
    }

    private final Set<String> languages;
    private final double minConfidence;

    public LanguageFilter(Config config) {
        super(NAME, Check.values());
        this.languages = config.languages().stream().map(l -> l.toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
        this.minConfidence = config.minConfidence();
    }

    @Override
    public List<String> measures() {
        return List.of("score");
    }

    @Override
    public FilterDecision apply(ParsedText parsed, Signals signals) {
        LanguageIdentifier.Detection d = LanguageIdentifier.get().detect(parsed.text());
        signals.language(d.language(), d.score());
        signals.measure(NAME, "score", d.score());
        if (languages.isEmpty()) {
            return FilterDecision.keep(parsed.text()); // label only
        }
        if (d.language().equals(LanguageIdentifier.UNKNOWN) || d.score() < minConfidence) {
            return FilterDecision.drop(Check.UNKNOWN.reason);
        }
        if (!languages.contains(d.language())) {
            return FilterDecision.drop(new DropReason(NAME, d.language()));
        }
        return FilterDecision.keep(parsed.text());
    }
}
