package io.gemmaspark.filtering.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A document's text with its words and lines found once and shared by every filter that needs them.
 *
 * <p>A word is a whitespace-separated token with leading and trailing punctuation trimmed; a token that is
 * nothing but punctuation or symbols is not a word. This matches what the Gopher rules count after NLTK's
 * tokenizer has split punctuation off ("end." is the word "end"), without NLTK's cost. Words are kept as
 * offsets into the text, so parsing allocates two int arrays rather than a String per word.
 */
public final class ParsedText {
    private final String text;
    private int[] starts;
    private int[] ends;
    private int wordCount = -1;
    private long[] wordHashes;
    private List<String> lines;
    private List<String> treebankWords;

    private ParsedText(String text) {
        this.text = text;
    }

    public static ParsedText of(String text) {
        return new ParsedText(text);
    }

    public String text() {
        return text;
    }

    public int length() {
        return text.length();
    }

    public int wordCount() {
        if (wordCount < 0) {
            tokenize();
        }
        return wordCount;
    }

    public int wordStart(int i) {
        return starts[i];
    }

    public int wordEnd(int i) {
        return ends[i];
    }

    public int wordLength(int i) {
        return ends[i] - starts[i];
    }

    public String word(int i) {
        return text.substring(starts[i], ends[i]);
    }

    /** Case-sensitive 64-bit hash of word i, as the repetition rules compare words exactly. */
    public long wordHash(int i) {
        if (wordHashes == null) {
            int n = wordCount();
            wordHashes = new long[n];
            for (int w = 0; w < n; w++) {
                wordHashes[w] = Hash64.hash(text, starts[w], ends[w]);
            }
        }
        return wordHashes[i];
    }

    /** Case-folded hash of word i, for stop words, blocklists and shingles. */
    public long lowerWordHash(int i) {
        return Hash64.hashLowerCase(text, starts[i], ends[i]);
    }

    /**
     * Tokens as DataTrove's English word tokenizer ({@code nltk.word_tokenize}) gives them, punctuation tokens
     * included: what the Gopher rules count. Computed once, on first use.
     */
    public List<String> treebankWords() {
        if (treebankWords == null) {
            treebankWords = TreebankWordTokenizer.ENGLISH.tokenize(text);
        }
        return treebankWords;
    }

    /**
     * Lines as Python's {@code str.splitlines()} gives them for \n-separated text: blank lines included, no
     * trailing empty line after a final newline.
     */
    public List<String> lines() {
        if (lines == null) {
            List<String> out = new ArrayList<>();
            int start = 0;
            int n = text.length();
            while (start < n) {
                int nl = text.indexOf('\n', start);
                int end = nl < 0 ? n : nl;
                out.add(text.substring(start, end));
                start = end + 1;
            }
            lines = out;
        }
        return lines;
    }

    private void tokenize() {
        int n = text.length();
        int capacity = Math.max(16, n / 5);
        int[] s = new int[capacity];
        int[] e = new int[capacity];
        int count = 0;
        int i = 0;
        while (i < n) {
            while (i < n && isSpace(text.charAt(i))) {
                i++;
            }
            int tokenStart = i;
            while (i < n && !isSpace(text.charAt(i))) {
                i++;
            }
            int a = tokenStart;
            int b = i;
            while (a < b && !isWordChar(text.charAt(a))) {
                a++;
            }
            while (b > a && !isWordChar(text.charAt(b - 1))) {
                b--;
            }
            if (a < b) {
                if (count == s.length) {
                    s = Arrays.copyOf(s, count * 2);
                    e = Arrays.copyOf(e, count * 2);
                }
                s[count] = a;
                e[count] = b;
                count++;
            }
        }
        starts = s;
        ends = e;
        wordCount = count;
    }

    public static boolean isSpace(char c) {
        return Character.isWhitespace(c) || c == '\u00A0';
    }

    /** Letters, digits and combining marks; surrogates count so that astral-plane letters stay in words. */
    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || Character.isSurrogate(c)
                || Character.getType(c) == Character.NON_SPACING_MARK;
    }
}
