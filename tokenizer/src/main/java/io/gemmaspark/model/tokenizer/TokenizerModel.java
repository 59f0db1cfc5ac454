package io.gemmaspark.model.tokenizer;

import java.util.List;

/**
 * Everything that defines a BPE tokenizer, independent of the file it came from.
 *
 * @param pieces        the vocabulary; a piece's id is its index
 * @param normalization how text becomes the normalised string that is segmented
 * @param byteFallback  characters outside the vocabulary become their UTF-8 bytes ({@code <0xNN>} pieces)
 *                      instead of {@code <unk>}
 * @param unkSurface    what {@code <unk>} decodes to
 * @param merges        explicit merge rules (left, right), best first, as in a Hugging Face tokenizer.json; null
 *                      for SentencePiece semantics, where any two adjacent symbols whose concatenation is a piece
 *                      may merge and the merged piece's score decides the order
 */
public record TokenizerModel(List<Piece> pieces, Normalization normalization, boolean byteFallback, String unkSurface,
                             List<String[]> merges) {
    public static final String DEFAULT_UNK_SURFACE = " \u2047 ";

    public TokenizerModel {
        pieces = List.copyOf(pieces);
        merges = merges == null ? null : List.copyOf(merges);
    }

    public int size() {
        return pieces.size();
    }
}
