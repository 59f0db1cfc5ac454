package io.gemmaspark.model.tokenizer;

/**
 * SentencePiece's text normalisation with the identity rule: spaces become {@code ▁} (U+2581), optionally with a
 * leading {@code ▁} (dummy prefix) and with runs of spaces collapsed. Gemma uses none of the options: every space
 * is kept, so text round-trips exactly.
 */
public record Normalization(boolean addDummyPrefix, boolean removeExtraWhitespaces, boolean escapeWhitespaces)
        implements java.io.Serializable {
    public static final char SPACE_SYMBOL = '\u2581';
    public static final Normalization GEMMA = new Normalization(false, false, true);

    /** The symbol that stands for a space in pieces. */
    public char whitespace() {
        return escapeWhitespaces ? SPACE_SYMBOL : ' ';
    }

    /**
     * Normalises {@code text} as SentencePiece's Normalizer does with an empty character map. Unpaired UTF-16
     * surrogates (malformed text) become U+FFFD, as malformed UTF-8 does in SentencePiece.
     */
    public String apply(String text) {
        int n = text.length();
        int start = 0;
        if (removeExtraWhitespaces) {
            while (start < n && text.charAt(start) == ' ') {
                start++;
            }
        }
        if (start == n) {
            return "";
        }
        StringBuilder out = new StringBuilder(n - start + 1);
        char ws = whitespace();
        if (addDummyPrefix) {
            out.append(ws);
        }
        boolean previousSpace = removeExtraWhitespaces;
        for (int i = start; i < n; i++) {
            char c = text.charAt(i);
            if (c == ' ') {
                if (!previousSpace) {
                    out.append(ws);
                }
                previousSpace = removeExtraWhitespaces;
                continue;
            }
            previousSpace = false;
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                out.append(c).append(text.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                out.append('\uFFFD');
            } else {
                out.append(c);
            }
        }
        if (removeExtraWhitespaces) {
            int end = out.length();
            while (end > 0 && out.charAt(end - 1) == ws) {
                end--;
            }
            out.setLength(end);
        }
        return out.toString();
    }
}
