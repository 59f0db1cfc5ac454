package io.gemmaspark.filtering.quality;

import io.gemmaspark.config.Range;
import io.gemmaspark.filtering.DeclaredChecksFilter;
import io.gemmaspark.filtering.DropReason;
import io.gemmaspark.filtering.FilterDecision;
import io.gemmaspark.filtering.Signals;
import io.gemmaspark.filtering.text.Hash64;
import io.gemmaspark.filtering.text.ParsedText;
import io.gemmaspark.util.LongIntHashMap;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The repetition rules of Gopher (Rae et al. 2021, table A1). Repetitive text (menus, spam, generated pages)
 * is dropped when any fraction exceeds its limit:
 * <ul>
 *   <li>duplicate paragraphs (split on blank lines) and duplicate lines: fraction of elements that repeat an
 *       earlier one (0.30) and fraction of all characters inside such repeats (0.20);</li>
 *   <li>top n-gram character fraction for n = 2, 3, 4 (0.20, 0.18, 0.16): characters covered by the most
 *       frequent n-gram, counted as len(n-gram) × occurrences, over the document length;</li>
 *   <li>duplicate n-gram character fraction for n = 5..10 (0.15 .. 0.10): walking the words left to right, an
 *       n-gram already seen adds its characters and skips ahead n words, so overlapping repeats are not counted
 *       twice.</li>
 * </ul>
 * The measurements are DataTrove's ({@code GopherRepetitionFilter}): lines are {@code re.split("\n+", text)}
 * (so a text ending in a newline has a final empty line), paragraphs {@code re.split("\n{2,}", text.strip())}, and
 * the n-grams are over the tokens of NLTK's English {@code word_tokenize} ({@link ParsedText#treebankWords()}),
 * punctuation tokens included. A top n-gram's length is its tokens joined by single spaces
 * ({@code " ".join}); a duplicate n-gram's length is its tokens' characters without spaces ({@code "".join}),
 * as DataTrove counts them. Lengths are in UTF-16 code units where Python counts code points (differs only for
 * characters outside the Basic Multilingual Plane). N-grams are compared by 64-bit hashes of their tokens, so
 * the whole filter is linear in the document length.
 */
public final class GopherRepetitionFilter extends DeclaredChecksFilter {
    public static final String NAME = "gopher_repetition";

    /**
     * Why the paragraph and line rules drop a document. The n-gram rules' reasons ({@code top_N_gram},
     * {@code dup_N_gram}) depend on the configured sizes and are built once per filter in the constructor.
     */
    public enum Check {
        DUP_PARA_FRACTION, DUP_PARA_CHAR_FRACTION, DUP_LINE_FRACTION, DUP_LINE_CHAR_FRACTION;

        public final DropReason reason = DropReason.of(NAME, this);
    }

    /**
     * @param topNgramMaxCharFraction n → limit on the top n-gram character fraction
     * @param dupNgramMaxCharFraction n → limit on the duplicate n-gram character fraction
     */
    public record Config(boolean enabled,
                         @Range(min = 0, max = 1) double maxDupParaFraction,
                         @Range(min = 0, max = 1) double maxDupParaCharFraction,
                         @Range(min = 0, max = 1) double maxDupLineFraction,
                         @Range(min = 0, max = 1) double maxDupLineCharFraction,
                         Map<String, Double> topNgramMaxCharFraction,
                         Map<String, Double> dupNgramMaxCharFraction) implements Serializable {
        public Config {
            parseNgramLimits(topNgramMaxCharFraction, "top_ngram_max_char_fraction");
            parseNgramLimits(dupNgramMaxCharFraction, "dup_ngram_max_char_fraction");
        }
    }

    private final Config config;
    /** limits indexed by n; NaN where no limit applies. */
    private final double[] topLimit;
    private final double[] dupLimit;
    private final int maxN;
    /** Drop reasons by n; null where no limit applies. */
    private final DropReason[] topReason;
    private final DropReason[] dupReason;

    public GopherRepetitionFilter(Config config) {
        super(NAME, Check.values());
        this.config = config;
        TreeMap<Integer, Double> top = parseNgramLimits(config.topNgramMaxCharFraction(), "top_ngram_max_char_fraction");
        TreeMap<Integer, Double> dup = parseNgramLimits(config.dupNgramMaxCharFraction(), "dup_ngram_max_char_fraction");
        maxN = Math.max(top.isEmpty() ? 0 : top.lastKey(), dup.isEmpty() ? 0 : dup.lastKey());
        topLimit = limitsByN(top, maxN);
        dupLimit = limitsByN(dup, maxN);
        topReason = reasonsByN(topLimit, "top_");
        dupReason = reasonsByN(dupLimit, "dup_");
    }

    private static DropReason[] reasonsByN(double[] limits, String prefix) {
        DropReason[] reasons = new DropReason[limits.length];
        for (int n = 0; n < limits.length; n++) {
            if (!Double.isNaN(limits[n])) {
                reasons[n] = new DropReason(NAME, prefix + n + "_gram");
            }
        }
        return reasons;
    }

    @Override
    public List<DropReason> dropReasons() {
        List<DropReason> reasons = new ArrayList<>(super.dropReasons());
        ngramReasons(topReason).forEach(reasons::add);
        ngramReasons(dupReason).forEach(reasons::add);
        return reasons;
    }

    @Override
    public List<String> measures() {
        List<String> measures = new ArrayList<>(List.of("dup_para_fraction", "dup_para_char_fraction",
                "dup_line_fraction", "dup_line_char_fraction"));
        ngramReasons(topReason).forEach(reason -> measures.add(reason.check() + "_char_fraction"));
        ngramReasons(dupReason).forEach(reason -> measures.add(reason.check() + "_char_fraction"));
        return measures;
    }

    private static List<DropReason> ngramReasons(DropReason[] byN) {
        return Arrays.stream(byN).filter(Objects::nonNull).toList();
    }

    @Override
    public FilterDecision apply(ParsedText parsed, Signals signals) {
        String text = parsed.text();
        double length = Math.max(1, text.length());

        Duplicates paragraphs = Duplicates.of(splitParagraphs(text.strip()));
        signals.measure(NAME, "dup_para_fraction", paragraphs.elementFraction());
        signals.measure(NAME, "dup_para_char_fraction", paragraphs.chars / length);
        if (paragraphs.elementFraction() > config.maxDupParaFraction()) {
            return FilterDecision.drop(Check.DUP_PARA_FRACTION.reason);
        }
        if (paragraphs.chars / length > config.maxDupParaCharFraction()) {
            return FilterDecision.drop(Check.DUP_PARA_CHAR_FRACTION.reason);
        }

        Duplicates lines = Duplicates.of(splitLines(text));
        signals.measure(NAME, "dup_line_fraction", lines.elementFraction());
        signals.measure(NAME, "dup_line_char_fraction", lines.chars / length);
        if (lines.elementFraction() > config.maxDupLineFraction()) {
            return FilterDecision.drop(Check.DUP_LINE_FRACTION.reason);
        }
        if (lines.chars / length > config.maxDupLineCharFraction()) {
            return FilterDecision.drop(Check.DUP_LINE_CHAR_FRACTION.reason);
        }
        return checkNgrams(parsed, signals, length);
    }

    private FilterDecision checkNgrams(ParsedText parsed, Signals signals, double length) {
        List<String> tokens = parsed.treebankWords();
        int words = tokens.size();
        long[] prefixChars = new long[words + 1];
        long[] wordHash = new long[words];
        for (int i = 0; i < words; i++) {
            String token = tokens.get(i);
            prefixChars[i + 1] = prefixChars[i] + token.length();
            wordHash[i] = Hash64.hash(token, 0, token.length());
        }
        long[] gramHash = wordHash.clone();
        LongIntHashMap counts = new LongIntHashMap(Math.max(16, words));
        // Once no n-gram repeats, no longer one can (it would contain a repeated n-gram): the remaining
        // sizes are answered without hashing, which is the common case for ordinary prose.
        boolean repeats = true;
        for (int n = 2; n <= maxN && n <= words; n++) {
            int grams = words - n + 1;
            if (repeats) {
                // gramHash[i] now covers words i..i+n-2; extend each n-gram by its next word, in place.
                for (int i = 0; i < grams; i++) {
                    gramHash[i] = Hash64.combine(gramHash[i], wordHash[i + n - 1]);
                }
            }
            if (!Double.isNaN(topLimit[n])) {
                long chars = repeats ? topGramChars(gramHash, grams, n, prefixChars, counts)
                        : spacedGramChars(prefixChars, 0, n);
                double fraction = chars / length;
                signals.measure(NAME, "top_" + n + "_gram_char_fraction", fraction);
                if (fraction > topLimit[n]) {
                    return FilterDecision.drop(topReason[n]);
                }
            }
            if (repeats) {
                repeats = counts.size() < grams || Double.isNaN(topLimit[n]) && hasRepeat(gramHash, grams, counts);
            }
            if (!Double.isNaN(dupLimit[n])) {
                double fraction = (repeats ? duplicateGramChars(gramHash, grams, n, prefixChars, counts) : 0) / length;
                signals.measure(NAME, "dup_" + n + "_gram_char_fraction", fraction);
                if (fraction > dupLimit[n]) {
                    return FilterDecision.drop(dupReason[n]);
                }
            }
        }
        return FilterDecision.keep(parsed.text());
    }

    /** Characters of {@code " ".join(n-gram)}: its tokens plus n-1 separators (the top n-gram rule). */
    private static long spacedGramChars(long[] prefixChars, int start, int n) {
        return prefixChars[start + n] - prefixChars[start] + n - 1;
    }

    /** Characters of {@code "".join(n-gram)}: its tokens only (the duplicate n-gram rule). */
    private static long joinedGramChars(long[] prefixChars, int start, int n) {
        return prefixChars[start + n] - prefixChars[start];
    }

    /** len(most frequent n-gram) × its count; among equally frequent n-grams the first to occur wins. */
    private static long topGramChars(long[] gramHash, int grams, int n, long[] prefixChars, LongIntHashMap counts) {
        counts.clear();
        int bestCount = 0;
        for (int i = 0; i < grams; i++) {
            bestCount = Math.max(bestCount, counts.increment(gramHash[i]));
        }
        for (int i = 0; i < grams; i++) {
            if (counts.count(gramHash[i]) == bestCount) {
                return spacedGramChars(prefixChars, i, n) * bestCount;
            }
        }
        return 0;
    }

    private static boolean hasRepeat(long[] gramHash, int grams, LongIntHashMap seen) {
        seen.clear();
        for (int i = 0; i < grams; i++) {
            if (seen.increment(gramHash[i]) > 1) {
                return true;
            }
        }
        return false;
    }

    private static long duplicateGramChars(long[] gramHash, int grams, int n, long[] prefixChars,
                                           LongIntHashMap seen) {
        seen.clear();
        long repeated = 0;
        int i = 0;
        while (i < grams) {
            if (seen.contains(gramHash[i])) {
                repeated += joinedGramChars(prefixChars, i, n);
                i += n;
            } else {
                seen.increment(gramHash[i]);
                i++;
            }
        }
        return repeated;
    }

    private record Duplicates(int elements, int duplicates, long chars) {
        static Duplicates of(List<String> items) {
            Set<String> seen = new HashSet<>();
            int duplicates = 0;
            long chars = 0;
            for (String item : items) {
                if (!seen.add(item)) {
                    duplicates++;
                    chars += item.length();
                }
            }
            return new Duplicates(items.size(), duplicates, chars);
        }

        double elementFraction() {
            return elements == 0 ? 0 : (double) duplicates / elements;
        }
    }

    /** Paragraphs are separated by two or more newlines. */
    static List<String> splitParagraphs(String text) {
        return splitOnNewlineRuns(text, 2);
    }

    /**
     * {@code re.split("\n+", text)}: lines separated by runs of newlines, so blank lines are not lines, but a
     * leading or trailing newline gives an empty first or last line.
     */
    static List<String> splitLines(String text) {
        return splitOnNewlineRuns(text, 1);
    }

    /** Splits at every run of at least {@code minRun} newlines, the whole run being the separator. */
    private static List<String> splitOnNewlineRuns(String text, int minRun) {
        List<String> out = new ArrayList<>();
        int start = 0;
        int n = text.length();
        int i = 0;
        while (i < n) {
            int run = 0;
            while (i + run < n && text.charAt(i + run) == '\n') {
                run++;
            }
            if (run >= minRun) {
                out.add(text.substring(start, i));
                i += run;
                start = i;
            } else {
                i += Math.max(run, 1);
            }
        }
        out.add(text.substring(start));
        return out;
    }

    private static double[] limitsByN(TreeMap<Integer, Double> limits, int maxN) {
        double[] out = new double[maxN + 1];
        java.util.Arrays.fill(out, Double.NaN);
        limits.forEach((n, limit) -> out[n] = limit);
        return out;
    }

    private static TreeMap<Integer, Double> parseNgramLimits(Map<String, Double> limits, String key) {
        TreeMap<Integer, Double> out = new TreeMap<>();
        for (Map.Entry<String, Double> e : limits.entrySet()) {
            int n;
            try {
                n = Integer.parseInt(e.getKey().trim());
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException(key + ": n-gram size '" + e.getKey() + "' is not an integer");
            }
            if (n < 2 || n > 64) {
                throw new IllegalArgumentException(key + ": n-gram size " + n + " is outside [2, 64]");
            }
            if (e.getValue() < 0 || e.getValue() > 1) {
                throw new IllegalArgumentException(key + "." + n + ": fraction " + e.getValue() + " is outside [0, 1]");
            }
            out.put(n, e.getValue());
        }
        return out;
    }
}
