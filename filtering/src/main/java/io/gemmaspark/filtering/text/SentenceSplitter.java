package io.gemmaspark.filtering.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Sentence boundaries as NLTK's Punkt sentence tokenizer finds them ({@code nltk.sent_tokenize}, which DataTrove's
 * C4 sentence count and word tokenizer use), given a fixed abbreviation list instead of a trained model.
 *
 * <p>A candidate boundary is a '.', '?' or '!' followed either by whitespace and another token or by one of
 * {@code )";}]*:@'({[!?}. At a candidate, Punkt's rules decide, with {@code tok} the word ending there and
 * {@code next} the following token:
 * <ul>
 *   <li>'?' and '!' always end a sentence;</li>
 *   <li>a word ending in ".." (an ellipsis) never does;</li>
 *   <li>"tok." does not when tok (lower-cased, or its last hyphenated part) is a listed abbreviation;</li>
 *   <li>an initial ("J.") never does before a word (Punkt: unknown orthography, or a lower-case next word);</li>
 *   <li>a number ("1990.", "3.") does not before a lower-case word or ";:,.!?";</li>
 *   <li>otherwise "tok." does.</li>
 * </ul>
 * Closing quotes and brackets right after the boundary move into the sentence that ended ({@code He said "Go."}),
 * as Punkt's boundary realignment does. The difference from {@code sent_tokenize(text, "english")}: the English
 * model also learned collocations, frequent sentence starters and each word's orthographic context, which can
 * turn an abbreviation or ellipsis into a boundary before a capitalised word (documented in
 * conf/filters/default.yaml).
 */
public final class SentenceSplitter {
    /** Abbreviations without their final period, lower case (a subset of Punkt's English model). */
    public static final Set<String> ENGLISH_ABBREVIATIONS = Set.of("mr", "mrs", "ms", "dr", "st", "vs", "etc",
            "e.g", "i.e", "no", "fig", "jr", "sr", "prof", "inc", "ltd", "co", "vol", "pp", "approx", "cf", "al",
            "gen", "col", "lt", "sgt", "rev", "mt", "jan", "feb", "mar", "apr", "aug", "sept", "sep", "oct", "nov",
            "dec", "u.s", "u.k", "a.m", "p.m", "corp", "dept", "est", "govt", "assn", "bros");

    private static final String AFTER_PUNCT = ")\";}]*:@'({[!?";
    private static final String CLOSING = "\"')]}";

    private final Set<String> abbreviations;

    public SentenceSplitter(Set<String> abbreviations) {
        this.abbreviations = abbreviations;
    }

    public static final SentenceSplitter ENGLISH = new SentenceSplitter(ENGLISH_ABBREVIATIONS);

    /** Sentence end offsets (exclusive) in {@code text}; the last one is always {@code text.length()}. */
    public int[] boundaries(String text) {
        int n = text.length();
        List<Integer> ends = new ArrayList<>();
        for (int p = 0; p < n; p++) {
            char c = text.charAt(p);
            if (c != '.' && c != '?' && c != '!') {
                continue;
            }
            int after = p + 1;
            if (after < n && (text.charAt(after) == '.' || text.charAt(after) == '?' || text.charAt(after) == '!')) {
                continue; // "?!", "!!": the last one decides
            }
            String next;
            if (after < n && AFTER_PUNCT.indexOf(text.charAt(after)) >= 0) {
                next = String.valueOf(text.charAt(after));
            } else {
                int k = after;
                while (k < n && Character.isWhitespace(text.charAt(k))) {
                    k++;
                }
                if (k == after || k == n) {
                    continue; // inside a token ("3.88", "U.S.A"), or the end of the text
                }
                int e = k;
                while (e < n && !Character.isWhitespace(text.charAt(e))) {
                    e++;
                }
                next = text.substring(k, e);
            }
            if (isBreak(text, p, next)) {
                int end = after;
                int q = after;
                while (q < n && CLOSING.indexOf(text.charAt(q)) >= 0) {
                    q++;
                }
                if (q > after && (q == n || Character.isWhitespace(text.charAt(q)))) {
                    end = q; // realignment: closing quotes and brackets belong to the sentence that ended
                }
                ends.add(end);
                p = end - 1;
            }
        }
        if (ends.isEmpty() || ends.get(ends.size() - 1) < n) {
            ends.add(n);
        }
        return ends.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The sentences, stripped, as {@code sent_tokenize} returns them (no empty ones, except for blank text). */
    public List<String> split(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int end : boundaries(text)) {
            String s = text.substring(start, end).strip();
            if (!s.isEmpty()) {
                out.add(s);
            }
            start = end;
        }
        return out;
    }

    /** {@code len(sent_tokenize(text))}; 1 for text without a boundary, including blank text. */
    public int count(String text) {
        return Math.max(1, split(text).size());
    }

    private boolean isBreak(String text, int p, String next) {
        char c = text.charAt(p);
        if (c != '.') {
            return true;
        }
        // the Punkt word ending at p: Punkt words end at whitespace and at its non-word characters, and do not
        // start with "(\"`{[:;&#*@)}]-," (each of those is a token of its own)
        int start = p;
        while (start > 0 && !Character.isWhitespace(text.charAt(start - 1))
                && AFTER_PUNCT.indexOf(text.charAt(start - 1)) < 0) {
            start--;
        }
        while (start < p && "(\"`{[:;&#*@)}]-,'".indexOf(text.charAt(start)) >= 0) {
            start++;
        }
        String tok = text.substring(start, p + 1);
        if (tok.endsWith("..")) {
            return false; // ellipsis
        }
        String type = tok.substring(0, tok.length() - 1).toLowerCase(Locale.ROOT);
        int hyphen = type.lastIndexOf('-');
        if (abbreviations.contains(type) || hyphen >= 0 && abbreviations.contains(type.substring(hyphen + 1))) {
            return false;
        }
        boolean initial = tok.length() == 2 && Character.isLetter(tok.charAt(0));
        boolean number = tok.matches("-?[.,]?\\d[\\d,.\\-]*\\.?");
        if (initial || number) {
            boolean nextIsPunct = next.length() == 1 && ";:,.!?".indexOf(next.charAt(0)) >= 0;
            boolean nextLower = Character.isLowerCase(next.charAt(0));
            if (nextIsPunct || nextLower) {
                return false;
            }
            if (initial && Character.isUpperCase(next.charAt(0))) {
                return false; // "J. Bach": Punkt's special case for initials before a capitalised word
            }
        }
        return true;
    }
}
