package io.gemmaspark.model.tokenizer;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * How spm_train turns a line of training text into pre-tokens ("words"), so the words can be counted on Spark
 * executors: the line is normalised, every special piece in it becomes a tab (a boundary that never joins a
 * piece), and the result is cut before each space symbol that follows a non-space (with whitespace-only pieces
 * allowed, a run of spaces stays with the word that follows it). Lines that are too long, or that contain
 * SentencePiece's reserved unknown marker U+2585, are skipped as spm_train skips them.
 */
public final class TrainingText implements Serializable {
    private static final long serialVersionUID = 1L;
    /** spm_train's stand-in for characters outside the alphabet; lines containing it are skipped. */
    public static final char UNKNOWN_MARKER = '\u2585';
    /** What special pieces are replaced with: never part of a piece. */
    public static final char BOUNDARY = '\t';

    public enum LineStatus { USED, EMPTY, TOO_LONG, RESERVED_CHARACTER }

    private final Normalization normalization;
    /** Special pieces by first character, longest first (spm's longest-prefix match). */
    private final Map<Character, String[]> specialPiecesByFirstChar = new HashMap<>();
    private final boolean allowWhitespaceOnlyPieces;
    private final int maxSentenceLength;

    public TrainingText(TokenizerTrainingConfig config) {
        this.normalization = config.normalization();
        this.allowWhitespaceOnlyPieces = config.allowWhitespaceOnlyPieces();
        this.maxSentenceLength = config.maxSentenceLength();
        Map<Character, List<String>> byFirst = new HashMap<>();
        for (String piece : BpeTrainer.metaPieceTexts(config)) {
            byFirst.computeIfAbsent(piece.charAt(0), c -> new ArrayList<>()).add(piece);
        }
        byFirst.forEach((first, pieces) -> {
            pieces.sort(Comparator.comparingInt(String::length).reversed());
            specialPiecesByFirstChar.put(first, pieces.toArray(new String[0]));
        });
    }

    /** Passes each pre-token of {@code line} to {@code words}; says whether the line was used. */
    public LineStatus words(String line, Consumer<String> words) {
        if (line.isEmpty()) {
            return LineStatus.EMPTY;
        }
        if (utf8Length(line) > maxSentenceLength) {
            return LineStatus.TOO_LONG;
        }
        if (line.indexOf(UNKNOWN_MARKER) >= 0) {
            return LineStatus.RESERVED_CHARACTER;
        }
        String text = replaceSpecialPieces(normalization.apply(line));
        if (text.isEmpty()) {
            return LineStatus.EMPTY;
        }
        splitIntoWords(text, normalization.whitespace(), allowWhitespaceOnlyPieces, words);
        return LineStatus.USED;
    }

    /** SentencePiece's SplitIntoWords with the whitespace symbol as a word prefix. */
    static void splitIntoWords(String text, char ws, boolean allowWhitespaceOnlyPieces, Consumer<String> words) {
        int start = 0;
        boolean inWhitespace = false;
        for (int i = 0; i < text.length(); i++) {
            boolean isWs = text.charAt(i) == ws;
            if (i == 0 || (isWs && (!inWhitespace || !allowWhitespaceOnlyPieces))) {
                if (i > start) {
                    words.accept(text.substring(start, i));
                }
                start = i;
                inWhitespace = true;
            }
            if (inWhitespace && !isWs) {
                inWhitespace = false;
            }
        }
        if (text.length() > start) {
            words.accept(text.substring(start));
        }
    }

    private String replaceSpecialPieces(String text) {
        StringBuilder out = null;
        int copied = 0;
        for (int i = 0; i < text.length(); i++) {
            String[] candidates = specialPiecesByFirstChar.get(text.charAt(i));
            if (candidates == null) {
                continue;
            }
            for (String piece : candidates) {
                if (text.startsWith(piece, i)) {
                    if (out == null) {
                        out = new StringBuilder(text.length());
                    }
                    out.append(text, copied, i).append(BOUNDARY);
                    i += piece.length() - 1;
                    copied = i + 1;
                    break;
                }
            }
        }
        return out == null ? text : out.append(text, copied, text.length()).toString();
    }

    static int utf8Length(String s) {
        int n = s.length();
        int bytes = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }
}
