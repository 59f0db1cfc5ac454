package io.gemmaspark.model.tokenizer;

/** The kinds of vocabulary entry SentencePiece distinguishes (ModelProto.SentencePiece.Type). */
public enum PieceType {
    /** An ordinary subword, produced by merges. */
    NORMAL,
    /** The unknown piece; only one per vocabulary. */
    UNKNOWN,
    /** Never produced from text (bos, eos, pad); decodes to nothing. */
    CONTROL,
    /** Matched whole in the text and never merged with neighbours. */
    USER_DEFINED,
    /** Reserved but unused: segmentation falls back to the pieces it was merged from. */
    UNUSED,
    /** {@code <0xNN>}: one raw UTF-8 byte, used for characters the vocabulary lacks. */
    BYTE;

    /** Pieces that text segmentation can produce (SentencePiece's {@code pieces_} as opposed to reserved ids). */
    boolean isSegmentable() {
        return this == NORMAL || this == USER_DEFINED || this == UNUSED;
    }
}
