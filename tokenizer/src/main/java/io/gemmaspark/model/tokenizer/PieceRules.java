package io.gemmaspark.model.tokenizer;

/**
 * Which strings may become pieces: spm_train's {@code IsValidSentencePiece} for a prefix space symbol and
 * whitespace splitting. A piece is at most {@code maxPieceLength} characters; a space symbol may only start it
 * (unless the piece is all spaces and whitespace-only pieces are allowed); with split digits a digit is a piece
 * of its own; and letters of different Unicode scripts (punctuation and symbols count as a script) never mix.
 */
final class PieceRules {
    private static final int ANY_SCRIPT = -1;

    private final int maxPieceLength;
    private final boolean splitDigits;
    private final boolean splitByUnicodeScript;
    private final boolean allowWhitespaceOnlyPieces;
    private final char whitespace;

    PieceRules(TokenizerTrainingConfig config) {
        this.maxPieceLength = config.maxPieceLength();
        this.splitDigits = config.splitDigits();
        this.splitByUnicodeScript = config.splitByUnicodeScript();
        this.allowWhitespaceOnlyPieces = config.allowWhitespaceOnlyPieces();
        this.whitespace = config.normalization().whitespace();
    }

    boolean isValid(int[] cps) {
        if (cps.length == 0 || cps.length > maxPieceLength) {
            return false;
        }
        boolean allWhitespace = true;
        for (int c : cps) {
            allWhitespace &= c == whitespace;
        }
        int previousScript = ANY_SCRIPT;
        for (int pos = 0; pos < cps.length; pos++) {
            int c = cps[pos];
            if (c == TrainingText.UNKNOWN_MARKER || c == 0 || c == TrainingText.BOUNDARY || c == ' ') {
                return false;
            }
            if (c == whitespace) {
                if ((!allowWhitespaceOnlyPieces || !allWhitespace) && pos > 0) {
                    return false;
                }
                continue;
            }
            int script = script(c, previousScript);
            if (splitDigits && isDecimalDigit(c) && cps.length > 1) {
                return false;
            }
            if (splitByUnicodeScript && script != ANY_SCRIPT && previousScript != ANY_SCRIPT
                    && previousScript != script) {
                return false;
            }
            previousScript = script;
        }
        return true;
    }

    static boolean isDecimalDigit(int c) {
        return (c >= '0' && c <= '9') || (c >= 0xFF10 && c <= 0xFF19);
    }

    /** The script as SentencePiece groups them: kana counts as Han, combining marks take their base's script. */
    private static int script(int c, int previousScript) {
        if (c == 0x30FC) {
            return Character.UnicodeScript.HAN.ordinal();
        }
        Character.UnicodeScript script = Character.UnicodeScript.of(c);
        return switch (script) {
            case HIRAGANA, KATAKANA -> Character.UnicodeScript.HAN.ordinal();
            case INHERITED -> previousScript;
            case UNKNOWN -> Character.UnicodeScript.COMMON.ordinal();
            default -> script.ordinal();
        };
    }
}
