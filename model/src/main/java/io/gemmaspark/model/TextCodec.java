package io.gemmaspark.model;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.ServiceLoader;

/**
 * Text to token ids and back, as the commands that run a model need it ({@code generate}, {@code forward}).
 * The tokenizer implements it and registers a {@link Provider} under
 * {@code META-INF/services/io.gemmaspark.model.TextCodec$Provider}; without one, those commands take and print
 * token ids.
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

    /** Opens a codec for a {@code tokenizer.model} (SentencePiece ModelProto bytes). */
    interface Provider {
        TextCodec open(byte[] tokenizerModel);
    }

    /** A codec for {@code tokenizerModel} from the first registered provider, if there is one. */
    static Optional<TextCodec> forTokenizerModel(byte[] tokenizerModel) {
        return ServiceLoader.load(Provider.class).findFirst().map(provider -> provider.open(tokenizerModel));
    }
}
