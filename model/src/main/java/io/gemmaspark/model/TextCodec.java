package io.gemmaspark.model;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * Text to token ids and back, as the commands that run a model need it ({@code generate}, {@code forward}).
 * {@link io.gemmaspark.model.tokenizer.Tokenizer} implements it; the interface keeps the generation code
 * independent of how text becomes ids.
 */
public interface TextCodec {
    /**
     * Token ids of {@code text}, without BOS or EOS. Control pieces written out in the text, such as
     * {@code <start_of_turn>}, must map to their ids so the chat template works.
     */
    int[] encode(String text);

    String decode(int[] ids);

    /** The id of a piece such as {@code <end_of_turn>}, if the vocabulary has it. */
    OptionalInt pieceId(String piece);

    /** A codec for a {@code tokenizer.model} (SentencePiece ModelProto bytes). */
    static Optional<TextCodec> forTokenizerModel(byte[] tokenizerModel) {
        return Optional.of(io.gemmaspark.model.tokenizer.TokenizerFiles.fromBytes(tokenizerModel, "tokenizer.model"));
    }
}
