package io.gemmaspark.filtering.quality;

import java.io.Serializable;
import io.gemmaspark.config.Range;
import io.gemmaspark.filtering.DeclaredChecksFilter;
import io.gemmaspark.filtering.DropReason;
import io.gemmaspark.filtering.FilterDecision;
import io.gemmaspark.filtering.Signals;
import io.gemmaspark.filtering.text.ParsedText;
import io.gemmaspark.filtering.text.SentenceSplitter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The C4 cleaning rules (Raffel et al. 2020, section 2.2; TFDS c4_utils), applied line by line. This filter both
 * rewrites and judges: lines that fail a line rule are removed, and the document is dropped when a document rule
 * fires or too few sentences survive. For each stripped line, in DataTrove's order:
 * <ol>
 *   <li>a word longer than max_word_length (1000) removes the line;</li>
 *   <li>Wikipedia citation marks ([1], [edit], [citation needed]) are deleted;</li>
 *   <li>a line not ending in terminal punctuation (. ? ! " ') or ending in "..." is removed;</li>
 *   <li>a line with fewer than min_words_per_line (3) words is removed; as in DataTrove the words are counted
 *       before the citation marks are deleted, so "See [1] [2]." has three;</li>
 *   <li>"lorem ipsum" anywhere drops the document;</li>
 *   <li>a line mentioning "javascript" is removed;</li>
 *   <li>a curly brace '{' drops the document (C4's guard against code), removes the line, or is allowed,
 *       per curly_braces;</li>
 *   <li>a line with a policy phrase ("terms of use", "privacy policy", "uses cookies", ...) is removed.</li>
 * </ol>
 * Fewer than min_num_sentences (5) sentences in the kept lines drops the document; each kept line counts
 * {@code len(sent_tokenize(line))} sentences ({@link SentenceSplitter}, Punkt's rules). Kept lines are joined
 * with \n.
 * As in the reference code (though the paper says "any page"), the document rules only look at lines that
 * survived the line rules before them, so a code line without terminal punctuation is removed, not fatal.
 * A rule whose number is 0 (or whose flag is false) is off.
 */
public final class C4QualityFilter extends DeclaredChecksFilter {
    public static final String NAME = "c4_quality";

    /** Why the C4 rules drop a document. */
    public enum Check {
        LOREM_IPSUM, CURLY_BRACKET, TOO_FEW_SENTENCES;

        public final DropReason reason = DropReason.of(NAME, this);
    }
    private static final Pattern CITATION = Pattern.compile("\\[\\d*]|\\[edit]|\\[citation needed]");

    public enum CurlyBracePolicy {
        DROP_DOCUMENT, DROP_LINE, KEEP
    }

    public record Config(boolean enabled,
                         boolean removeCitations,
                         boolean filterNoTerminalPunct,
                         @Range(min = 0) int minNumSentences,
                         @Range(min = 0) int minWordsPerLine,
                         @Range(min = 0) int maxWordLength,
                         boolean filterLoremIpsum,
                         boolean filterJavascript,
                         CurlyBracePolicy curlyBraces,
                         boolean filterPolicy,
                         List<String> policySubstrings) implements Serializable {
    }

    private final Config config;
    private final String[] policySubstrings;

    public C4QualityFilter(Config config) {
        super(NAME, Check.values());
        this.config = config;
        this.policySubstrings = config.policySubstrings().stream()
                .map(s -> s.toLowerCase(Locale.ROOT)).toArray(String[]::new);
    }

    @Override
    public List<String> measures() {
        return List.of("kept_line_fraction", "sentences");
    }

    @Override
    public FilterDecision apply(ParsedText parsed, Signals signals) {
        List<String> lines = parsed.lines();
        List<String> kept = new ArrayList<>(lines.size());
        int nonBlankLines = 0;
        int sentences = 0;
        for (String rawLine : lines) {
            String line = rawLine.strip();
            if (line.isEmpty()) {
                continue;
            }
            nonBlankLines++;
            if (config.maxWordLength() > 0 && hasLongWord(line)) {
                continue;
            }
            int words = countWords(line); // before citations are removed, as DataTrove counts
            if (config.removeCitations() && line.indexOf('[') >= 0) {
                line = CITATION.matcher(line).replaceAll("");
            }
            if (config.filterNoTerminalPunct() && !endsWithTerminalPunctuation(line)) {
                continue;
            }
            if (config.minWordsPerLine() > 0 && words < config.minWordsPerLine()) {
                continue;
            }
            String lower = line.toLowerCase(Locale.ROOT);
            if (config.filterLoremIpsum() && lower.contains("lorem ipsum")) {
                return FilterDecision.drop(Check.LOREM_IPSUM.reason);
            }
            if (config.filterJavascript() && lower.contains("javascript")) {
                continue;
            }
            if (line.indexOf('{') >= 0) {
                if (config.curlyBraces() == CurlyBracePolicy.DROP_DOCUMENT) {
                    return FilterDecision.drop(Check.CURLY_BRACKET.reason);
                }
                if (config.curlyBraces() == CurlyBracePolicy.DROP_LINE) {
                    continue;
                }
            }
            if (config.filterPolicy() && containsPolicyPhrase(lower)) {
                continue;
            }
            sentences += SentenceSplitter.ENGLISH.count(line);
            kept.add(line);
        }
        signals.measure(NAME, "kept_line_fraction", nonBlankLines == 0 ? 0 : (double) kept.size() / nonBlankLines);
        signals.measure(NAME, "sentences", sentences);
        if (sentences < config.minNumSentences()) {
            return FilterDecision.drop(Check.TOO_FEW_SENTENCES.reason);
        }
        return FilterDecision.keep(String.join("\n", kept).strip());
    }

    private static boolean endsWithTerminalPunctuation(String line) {
        if (line.isEmpty() || line.endsWith("...")) {
            return false;
        }
        char last = line.charAt(line.length() - 1);
        return last == '.' || last == '?' || last == '!' || last == '"' || last == '\'';
    }

    private boolean hasLongWord(String line) {
        int run = 0;
        for (int i = 0; i < line.length(); i++) {
            run = Character.isWhitespace(line.charAt(i)) ? 0 : run + 1;
            if (run > config.maxWordLength()) {
                return true;
            }
        }
        return false;
    }

    private static int countWords(String line) {
        int words = 0;
        boolean inWord = false;
        for (int i = 0; i < line.length(); i++) {
            boolean space = Character.isWhitespace(line.charAt(i));
            if (!space && !inWord) {
                words++;
            }
            inWord = !space;
        }
        return words;
    }

    private boolean containsPolicyPhrase(String lower) {
        for (String phrase : policySubstrings) {
            if (lower.contains(phrase)) {
                return true;
            }
        }
        return false;
    }
}
