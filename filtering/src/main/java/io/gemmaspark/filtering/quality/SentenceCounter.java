package io.gemmaspark.filtering.quality;

import java.util.Locale;
import java.util.Set;

/**
 * Counts sentences in one line of prose: a sentence ends at '.', '!' or '?' (plus closing quotes or brackets)
 * followed by whitespace and a capital letter, digit or opening quote, or at the end of the line. Periods after
 * initials and common abbreviations ("Dr.", "e.g.") do not end a sentence. This stands in for NLTK's Punkt
 * tokenizer in the C4 sentence-count rule, where only the count matters.
 */
final class SentenceCounter {
    private static final Set<String> ABBREVIATIONS = Set.of("mr", "mrs", "ms", "dr", "st", "vs", "etc", "e.g",
            "i.e", "no", "fig", "jr", "sr", "prof", "inc", "ltd", "co", "vol", "pp", "approx", "cf", "al", "gen",
            "col", "lt", "sgt", "rev", "mt", "jan", "feb", "mar", "apr", "aug", "sept", "sep", "oct", "nov", "dec");

    private SentenceCounter() {
    }

    static int count(String line) {
        int n = line.length();
        int sentences = 0;
        boolean inSentence = false;
        for (int i = 0; i < n; i++) {
            char c = line.charAt(i);
            if (!Character.isWhitespace(c)) {
                inSentence = true;
            }
            if ((c == '.' || c == '!' || c == '?') && inSentence) {
                int j = i + 1;
                while (j < n && (line.charAt(j) == '.' || line.charAt(j) == '!' || line.charAt(j) == '?'
                        || isClosing(line.charAt(j)))) {
                    j++;
                }
                if (j == n) {
                    sentences++;
                    inSentence = false;
                    i = j;
                } else if (Character.isWhitespace(line.charAt(j))) {
                    int k = j;
                    while (k < n && Character.isWhitespace(line.charAt(k))) {
                        k++;
                    }
                    if (k < n && startsSentence(line.charAt(k)) && !(c == '.' && isAbbreviation(line, i))) {
                        sentences++;
                        inSentence = false;
                        i = k - 1;
                    }
                }
            }
        }
        return inSentence ? sentences + 1 : sentences;
    }

    private static boolean isClosing(char c) {
        return c == '"' || c == '\'' || c == ')' || c == ']' || c == '\u201D' || c == '\u2019';
    }

    private static boolean startsSentence(char c) {
        return Character.isUpperCase(c) || Character.isDigit(c) || c == '"' || c == '\u201C' || c == '(';
    }

    /** The token ending at the period at {@code dot} is a single letter (an initial) or a known abbreviation. */
    private static boolean isAbbreviation(String line, int dot) {
        int start = dot;
        while (start > 0 && !Character.isWhitespace(line.charAt(start - 1))) {
            start--;
        }
        String token = line.substring(start, dot);
        while (!token.isEmpty() && !Character.isLetterOrDigit(token.charAt(0))) {
            token = token.substring(1);
        }
        if (token.length() == 1 && Character.isLetter(token.charAt(0))) {
            return true;
        }
        return ABBREVIATIONS.contains(token.toLowerCase(Locale.ROOT));
    }
}
