package io.gemmaspark.model;

import java.util.OptionalInt;

/**
 * Text to token ids and back, as the commands that run a model need it ({@code generate}, {@code forward}).
 * The tokenizer ({@code io.gemmaspark.model.tokenizer.Tokenizer}) implements it; the interface keeps the
 * generation code independent of how text becomes ids. It deliberately names no implementation, so the tokenizer
 * depends on it and not the other way round: a codec is built from a file with {@code TokenizerFiles}.
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
}
