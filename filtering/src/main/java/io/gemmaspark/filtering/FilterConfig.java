package io.gemmaspark.filtering;

import io.gemmaspark.config.ConfigLoader;
import io.gemmaspark.config.Default;
import io.gemmaspark.filtering.classifier.ClassifierFilter;
import io.gemmaspark.filtering.dedup.DedupConfig;
import io.gemmaspark.filtering.language.LanguageFilter;
import io.gemmaspark.filtering.normalize.TextNormalizer;
import io.gemmaspark.filtering.quality.C4QualityFilter;
import io.gemmaspark.filtering.quality.GopherQualityFilter;
import io.gemmaspark.filtering.quality.GopherRepetitionFilter;
import io.gemmaspark.filtering.safety.BlocklistFilter;
import io.gemmaspark.filtering.safety.PiiRedactor;
import java.io.Serializable;
import java.util.List;

/**
 * Everything that decides which documents survive data preparation, bound from {@code conf/filters/*.yaml}
 * (default: conf/filters/default.yaml, where every key is documented). Each filter's section has its own record
 * next to the filter class.
 */
public record FilterConfig(
        InputLimitFilter.Config input,
        TextNormalizer.Config normalize,
        PiiRedactor.Config pii,
        LanguageFilter.Config language,
        GopherRepetitionFilter.Config gopherRepetition,
        GopherQualityFilter.Config gopherQuality,
        C4QualityFilter.Config c4Quality,
        BlocklistFilter.Config blocklist,
        @Default("[]") List<ClassifierFilter.Config> classifiers,
        QualityScorer.Config qualityScore,
        DedupConfig dedup) implements Serializable {

    public static final String DEFAULT = "filters/default";

    /** Loads a filter configuration: a path, or a name under conf/ such as "filters/default". */
    public static FilterConfig load(String reference, List<String> overrides) {
        return ConfigLoader.load(reference, FilterConfig.class, overrides);
    }

    public static FilterConfig defaults(String... overrides) {
        return load(DEFAULT, List.of(overrides));
    }
}
