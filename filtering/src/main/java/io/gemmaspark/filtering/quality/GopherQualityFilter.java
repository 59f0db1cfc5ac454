package io.gemmaspark.filtering.quality;

import java.io.Serializable;
import io.gemmaspark.config.Range;
import io.gemmaspark.filtering.DeclaredChecksFilter;
import io.gemmaspark.filtering.DropReason;
import io.gemmaspark.filtering.FilterDecision;
import io.gemmaspark.filtering.Signals;
import io.gemmaspark.filtering.text.ParsedText;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

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
 * Checks run in that order, as in DataTrove, and the first failure is the reason.
 *
 * <p>The measurements are DataTrove's ({@code GopherQualityFilter}), on the tokens of NLTK's English
 * {@code word_tokenize} ({@link ParsedText#treebankWords()}), punctuation tokens included:
 * <ul>
 *   <li>the word count and the mean word length count the tokens that are not made only of DataTrove's
 *       punctuation characters ({@link #PUNCTUATION});</li>
 *   <li>the '#' and ellipsis ratios and the alpha-word fraction divide by all tokens, so a menu such as
 *       "Home | About | Contact" has an alpha-word fraction of 3/5;</li>
 *   <li>a line is a bullet line when, left-stripped, it starts with one of bullet_prefixes (DataTrove: "•" and
 *       "-"; the default list adds more, see conf/filters/default.yaml);</li>
 *   <li>stop words are whole tokens equal to a configured stop word, of any length; DataTrove compares case
 *       sensitively, the default here ignores case (stop_words_case_sensitive: false, documented). The rule applies
 *       only to documents whose detected language is stop_words_language (all documents when language
 *       identification is off).</li>
 * </ul>
 */
public final class GopherQualityFilter extends DeclaredChecksFilter {
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
                         boolean stopWordsCaseSensitive,
                         String stopWordsLanguage,
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

    /**
     * DataTrove's {@code PUNCTUATION} (datatrove/utils/text.py): a token made only of these characters is a
     * symbol, not a word. It includes the C0/C1 control characters except tab and newline, and, as DataTrove's
     * list does, the full-width digit one.
     */
    public static final String PUNCTUATION;

    static {
        StringBuilder p = new StringBuilder("!/\u2014\u201D:\uFF05\uFF11\u3008&(\u3001\u2501\\\u3010#%\u300C\u300D"
                + "\uFF0C\u3011\uFF1B+^]~\u201C\u300A\u201E';\u2019{|\u2236\u00B4[=-`*\uFF0E\uFF08\u2013\uFF1F\uFF01"
                + "\uFF1A$\uFF5E\u00AB\u3009,><\u300B)?\uFF09\u3002\u2026@_.\"}\u25BA\u00BB");
        for (int[] range : new int[][] {{0, 9}, {11, 13}, {13, 32}, {127, 160}}) {
            for (int c = range[0]; c < range[1]; c++) {
                p.append((char) c);
            }
        }
        PUNCTUATION = p.toString();
    }

    private final Config config;
    private final Set<String> stopWords;
    private final String[] bulletPrefixes;

    public GopherQualityFilter(Config config) {
        super(NAME, Check.values());
        this.config = config;
        this.stopWords = config.stopWords().stream()
                .map(w -> config.stopWordsCaseSensitive() ? w : w.toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
        this.bulletPrefixes = config.bulletPrefixes().toArray(String[]::new);
    }

    @Override
    public List<String> measures() {
        return List.of("word_count", "mean_word_length", "hash_ratio", "ellipsis_ratio", "bullet_line_fraction",
                "ellipsis_line_fraction", "alpha_word_fraction", "stop_word_count", "stop_word_fraction");
    }

    @Override
    public FilterDecision apply(ParsedText parsed, Signals signals) {
        String text = parsed.text();
        List<String> tokens = parsed.treebankWords();
        int nTokens = tokens.size();
        int words = 0;
        long letters = 0;
        int alphaTokens = 0;
        int stopWordCount = 0;
        for (String token : tokens) {
            if (!isSymbol(token)) {
                words++;
                letters += token.codePointCount(0, token.length());
            }
            if (hasLetter(token)) {
                alphaTokens++;
            }
            if (isStopWord(token)) {
                stopWordCount++;
            }
        }
        signals.measure(NAME, "word_count", words);
        if (words < config.minDocWords() || words > config.maxDocWords() || words == 0) {
            return FilterDecision.drop(Check.WORD_COUNT.reason);
        }

        double meanWordLength = (double) letters / words;
        signals.measure(NAME, "mean_word_length", meanWordLength);
        if (meanWordLength < config.minAvgWordLength() || meanWordLength > config.maxAvgWordLength()) {
            return FilterDecision.drop(Check.MEAN_WORD_LENGTH.reason);
        }

        double hashRatio = (double) count(text, "#") / nTokens;
        double ellipsisRatio = (double) (count(text, "...") + count(text, "\u2026")) / nTokens;
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

        double alphaFraction = (double) alphaTokens / nTokens;
        signals.measure(NAME, "alpha_word_fraction", alphaFraction);
        if (alphaFraction < config.minAlphaWordsRatio()) {
            return FilterDecision.drop(Check.ALPHA_WORDS.reason);
        }

        if (signals.language() != null && !signals.language().equals(config.stopWordsLanguage())) {
            return FilterDecision.keep(text); // the stop words are another language's
        }
        signals.measure(NAME, "stop_word_count", stopWordCount);
        signals.measure(NAME, "stop_word_fraction", (double) stopWordCount / words);
        if (stopWordCount < config.minStopWords()) {
            return FilterDecision.drop(Check.STOP_WORDS.reason);
        }
        return FilterDecision.keep(text);
    }

    /** A token made only of {@link #PUNCTUATION} characters. */
    static boolean isSymbol(String token) {
        for (int i = 0; i < token.length(); i++) {
            if (PUNCTUATION.indexOf(token.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    private boolean isStopWord(String token) {
        return stopWords.contains(config.stopWordsCaseSensitive() ? token : token.toLowerCase(Locale.ROOT));
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

    /** Python's {@code any(c.isalpha() for c in token)}. */
    private static boolean hasLetter(String token) {
        for (int i = 0; i < token.length(); ) {
            int c = token.codePointAt(i);
            if (Character.isLetter(c)) {
                return true;
            }
            i += Character.charCount(c);
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
