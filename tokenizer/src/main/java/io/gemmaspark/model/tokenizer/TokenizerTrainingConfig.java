package io.gemmaspark.model.tokenizer;

import io.gemmaspark.config.Default;
import io.gemmaspark.config.Range;
import java.util.List;

/**
 * Settings of BPE tokenizer training ({@code conf/tokenizer/*.yaml}), named after spm_train's flags. Special ids are
 * Gemma's and fixed: {@code <pad>}=0, {@code <eos>}=1, {@code <bos>}=2, {@code <unk>}=3, then the user-defined and
 * control symbols, then the 256 byte pieces.
 *
 * @param vocabSize                 total pieces, special and byte pieces included
 * @param splitDigits               every digit is its own piece
 * @param byteFallback              add the 256 {@code <0xNN>} pieces so that no text is unknown
 * @param maxPieceLength            longest piece, in characters
 * @param userDefinedSymbols        pieces matched whole in text and never merged (Gemma's chat markers)
 * @param controlSymbols            pieces that are never produced from text
 * @param characterCoverage         share of the corpus's characters the alphabet must cover; the rarest
 *                                  characters beyond it are left to byte fallback
 * @param sampleSize                lines (sentences) to sample for training; 0 uses all
 * @param maxSentenceLength         lines longer than this many UTF-8 bytes are skipped, as in spm_train
 * @param allowWhitespaceOnlyPieces runs of spaces may become pieces (for code and layout)
 * @param splitByUnicodeScript      a piece never mixes scripts (letters never merge with punctuation)
 * @param seed                      seed of the sampling
 * @param minWordCount              words (pre-tokens) seen fewer times than this in the whole corpus are pruned
 *                                  before the merges; 1 keeps every word (spm_train's behaviour)
 * @param maxWords                  at most this many distinct words, the most frequent, reach the trainer; 0 for
 *                                  no limit. Both prunings run where the words are counted (Spark executors), so
 *                                  they bound the memory of the process that runs the merges
 */
public record TokenizerTrainingConfig(
        @Range(min = 262, max = 1 << 20) int vocabSize,
        @Default("true") boolean splitDigits,
        @Default("true") boolean byteFallback,
        @Default("16") @Range(min = 1, max = 512) int maxPieceLength,
        @Default("[\"<start_of_turn>\", \"<end_of_turn>\"]") List<String> userDefinedSymbols,
        @Default("[]") List<String> controlSymbols,
        @Default("0.9995") @Range(min = 0.5, max = 1.0) double characterCoverage,
        @Default("0") @Range(min = 0) long sampleSize,
        @Default("4192") @Range(min = 10) int maxSentenceLength,
        @Default("true") boolean allowWhitespaceOnlyPieces,
        @Default("true") boolean splitByUnicodeScript,
        @Default("42") long seed,
        @Default("1") @Range(min = 1) long minWordCount,
        @Default("0") @Range(min = 0) long maxWords) implements java.io.Serializable {

    public static final String PAD = "<pad>";
    public static final String EOS = "<eos>";
    public static final String BOS = "<bos>";
    public static final String UNK = "<unk>";

    public TokenizerTrainingConfig {
        userDefinedSymbols = List.copyOf(userDefinedSymbols);
        controlSymbols = List.copyOf(controlSymbols);
        for (String symbol : userDefinedSymbols) {
            if (symbol.isEmpty() || controlSymbols.contains(symbol) || List.of(PAD, EOS, BOS, UNK).contains(symbol)) {
                throw new IllegalArgumentException("user_defined_symbols: '" + symbol
                        + "' is empty, a control symbol or a reserved piece");
            }
        }
        int reserved = 4 + userDefinedSymbols.size() + controlSymbols.size() + (byteFallback ? 256 : 0);
        if (vocabSize <= reserved) {
            throw new IllegalArgumentException("vocab_size " + vocabSize + " leaves no room for learned pieces after "
                    + reserved + " special and byte pieces");
        }
    }

    /** Gemma's settings at the given vocabulary size. */
    public static TokenizerTrainingConfig gemma(int vocabSize) {
        return new TokenizerTrainingConfig(vocabSize, true, true, 16, List.of("<start_of_turn>", "<end_of_turn>"),
                List.of(), 0.9995, 0, 4192, true, true, 42, 1, 0);
    }

    public Normalization normalization() {
        return Normalization.GEMMA;
    }
}
