package io.gemmaspark.filtering.quality;

import java.io.Serializable;
import io.gemmaspark.config.Range;
import io.gemmaspark.filtering.DocumentFilter;
import io.gemmaspark.filtering.DropReason;
import io.gemmaspark.filtering.FilterDecision;
import io.gemmaspark.filtering.Signals;
import io.gemmaspark.filtering.text.Hash64;
import io.gemmaspark.filtering.text.ParsedText;
import java.util.List;

/**
 * The quality heuristics of Gopher (Rae et al. 2021, section A.1.1 "Quality filtering"), with the paper's
 * thresholds as defaults in conf/filters/default.yaml. A document is dropped when:
 * <ul>
 *   <li>its word count is outside [min_doc_words, max_doc_words] (50..100,000);</li>
 *   <li>its mean word length is outside [3, 10] characters;</li>
 *   <li>'#' or ellipses ("..." or "…") occur more than 0.1 times per word;</li>
 *   <li>more than 90% of its lines start with a bullet, or more than 30% end with an ellipsis;</li>
 *   <li>fewer than 80% of its words contain an alphabetic character;</li>
 *   <li>it has fewer than 2 of the stop words the, be, to, of, and, that, have, with.</li>
 * </ul>
 * Checks run in that order, as in DataTrove, and the first failure is the reason. Stop words are matched
 * case-insensitively ("The" counts), where DataTrove compares exactly.
 */
public final class GopherQualityFilter implements DocumentFilter {
    public static final String NAME = "gopher_quality";

    /** Why the Gopher quality rules drop a document. */
    public enum Check {
        WORD_COUNT, MEAN_WORD_LENGTH, HASH_RATIO, ELLIPSIS_RATIO, BULLET_LINES, ELLIPSIS_LINES, ALPHA_WORDS, STOP_WORDS;

        public final DropReason reason = DropReason.of(NAME, this);
    }

    public record Config(boolean enabled,
                         @Range(min = 0) int minDocWords,
                         @Range(min = 1) int maxDocWords,
                         @Range(min = 0) double minAvgWordLength,
                         @Range(min = 0) double maxAvgWordLength,
                         @Range(min = 0) double maxSymbolWordRatio,
                         @Range(min = 0, max = 1) double maxBulletLinesRatio,
                         @Range(min = 0, max = 1) double maxEllipsisLinesRatio,
                         @Range(min = 0, max = 1) double minAlphaWordsRatio,
                         @Range(min = 0) int minStopWords,
                         List<String> stopWords,
                         List<String> bulletPrefixes) implements Serializable {
        public Config {
            if (minDocWords > maxDocWords) {
                throw new IllegalArgumentException("min_doc_words exceeds max_doc_words");
            }
            if (minAvgWordLength > maxAvgWordLength) {
                throw new IllegalArgumentException("min_avg_word_length exceeds max_avg_word_length");
            }
        }
    }

    private final Config config;
    private final long[] stopWordHashes;
    private final String[] bulletPrefixes;

    public GopherQualityFilter(Config config) {
        this.config = config;
        this.stopWordHashes = config.stopWords().stream()
                .mapToLong(w -> Hash64.hashLowerCase(w, 0, w.length())).toArray();
        this.bulletPrefixes = config.bulletPrefixes().toArray(String[]::new);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<DropReason> dropReasons() {
        return DropReason.allOf(NAME, Check.values());
    }

    @Override
    public List<String> measures() {
        return List.of("word_count", "mean_word_length", "hash_ratio", "ellipsis_ratio", "bullet_line_fraction",
                "ellipsis_line_fraction", "alpha_word_fraction", "stop_word_count", "stop_word_fraction");
    }

    @Override
    public FilterDecision apply(ParsedText parsed, Signals signals) {
        String text = parsed.text();
        int words = parsed.wordCount();
        signals.measure(NAME, "word_count", words);
        if (words < config.minDocWords() || words > config.maxDocWords() || words == 0) {
            return FilterDecision.drop(Check.WORD_COUNT.reason);
        }

        long letters = 0;
        int alphaWords = 0;
        int stopWords = 0;
        for (int i = 0; i < words; i++) {
            letters += parsed.wordLength(i);
            if (hasLetter(text, parsed.wordStart(i), parsed.wordEnd(i))) {
                alphaWords++;
            }
            if (parsed.wordLength(i) <= 4 && isStopWord(parsed.lowerWordHash(i))) {
                stopWords++;
            }
        }
        double meanWordLength = (double) letters / words;
        signals.measure(NAME, "mean_word_length", meanWordLength);
        if (meanWordLength < config.minAvgWordLength() || meanWordLength > config.maxAvgWordLength()) {
            return FilterDecision.drop(Check.MEAN_WORD_LENGTH.reason);
        }

        double hashRatio = (double) count(text, "#") / words;
        double ellipsisRatio = (double) (count(text, "...") + count(text, "\u2026")) / words;
        signals.measure(NAME, "hash_ratio", hashRatio);
        signals.measure(NAME, "ellipsis_ratio", ellipsisRatio);
        if (hashRatio > config.maxSymbolWordRatio()) {
            return FilterDecision.drop(Check.HASH_RATIO.reason);
        }
        if (ellipsisRatio > config.maxSymbolWordRatio()) {
            return FilterDecision.drop(Check.ELLIPSIS_RATIO.reason);
        }

        List<String> lines = parsed.lines();
        int bulletLines = 0;
        int ellipsisLines = 0;
        for (String line : lines) {
            if (startsWithBullet(line)) {
                bulletLines++;
            }
            String trimmed = line.stripTrailing();
            if (trimmed.endsWith("...") || trimmed.endsWith("\u2026")) {
                ellipsisLines++;
            }
        }
        double bulletFraction = (double) bulletLines / lines.size();
        double ellipsisLineFraction = (double) ellipsisLines / lines.size();
        signals.measure(NAME, "bullet_line_fraction", bulletFraction);
        signals.measure(NAME, "ellipsis_line_fraction", ellipsisLineFraction);
        if (bulletFraction > config.maxBulletLinesRatio()) {
            return FilterDecision.drop(Check.BULLET_LINES.reason);
        }
        if (ellipsisLineFraction > config.maxEllipsisLinesRatio()) {
            return FilterDecision.drop(Check.ELLIPSIS_LINES.reason);
        }

        double alphaFraction = (double) alphaWords / words;
        signals.measure(NAME, "alpha_word_fraction", alphaFraction);
        if (alphaFraction < config.minAlphaWordsRatio()) {
            return FilterDecision.drop(Check.ALPHA_WORDS.reason);
        }

        signals.measure(NAME, "stop_word_count", stopWords);
        signals.measure(NAME, "stop_word_fraction", (double) stopWords / words);
        if (stopWords < config.minStopWords()) {
            return FilterDecision.drop(Check.STOP_WORDS.reason);
        }
        return FilterDecision.keep(text);
    }

    private boolean isStopWord(long lowerHash) {
        for (long h : stopWordHashes) {
            if (h == lowerHash) {
                return true;
            }
        }
        return false;
    }

    private boolean startsWithBullet(String line) {
        int i = 0;
        while (i < line.length() && ParsedText.isSpace(line.charAt(i))) {
            i++;
        }
        for (String prefix : bulletPrefixes) {
            if (line.startsWith(prefix, i)) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasLetter(String text, int from, int to) {
        for (int i = from; i < to; i++) {
            if (Character.isLetter(text.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    /** Non-overlapping occurrences, as Python's str.count. */
    static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }
}
