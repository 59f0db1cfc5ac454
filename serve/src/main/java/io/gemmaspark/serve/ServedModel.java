package io.gemmaspark.serve;

import io.gemmaspark.model.GemmaConfig;
import io.gemmaspark.model.TextCodec;
import io.gemmaspark.model.decoder.DecoderTensors;

/**
 * A loaded model as the server needs it.
 *
 * @param id      the model id clients name in requests and {@code GET /v1/models} lists
 * @param config  the decoder's shape (its context length bounds prompts)
 * @param tensors the decoder's parameters
 * @param codec   text to ids and back (the server needs a tokenizer)
 * @param bosId   prepended to every prompt
 * @param stopIds generation stops at these ({@code <eos>}, {@code <end_of_turn>})
 */
public record ServedModel(String id, GemmaConfig config, DecoderTensors tensors, TextCodec codec, int bosId,
                          int[] stopIds) {
}
