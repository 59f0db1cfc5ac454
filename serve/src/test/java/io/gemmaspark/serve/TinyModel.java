package io.gemmaspark.serve;

import io.gemmaspark.model.GemmaConfig;
import io.gemmaspark.model.decoder.DecoderTensors;
import io.gemmaspark.model.decoder.GemmaDecoder;
import io.gemmaspark.model.tokenizer.BpeTrainer;
import io.gemmaspark.model.tokenizer.Tokenizer;
import io.gemmaspark.model.tokenizer.TokenizerTrainingConfig;
import io.gemmaspark.model.tokenizer.TrainingText;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * A served model made on the spot: a 400-piece tokenizer trained on a few sentences and a random decoder with
 * that vocabulary. The control ids (pad, eos, bos, end_of_turn) get zero embeddings, so a random model never
 * stops by itself and every test decides how a completion ends.
 */
final class TinyModel {
    static final String ID = "tiny-test";

    private TinyModel() {
    }

    static ServedModel create(int contextLength) {
        TokenizerTrainingConfig config = TokenizerTrainingConfig.gemma(400);
        TrainingText text = new TrainingText(config);
        Map<String, Long> counts = new HashMap<>();
        for (int i = 0; i < 20; i++) {
            text.words("the quick brown fox jumps over the lazy dog while the server streams tokens to clients",
                    w -> counts.merge(w, 1L, Long::sum));
        }
        Tokenizer tokenizer = new BpeTrainer(config).train(counts).tokenizer();
        GemmaConfig shape = new GemmaConfig(ID, tokenizer.vocabSize(), 64, 2, 4, 1, 16, 128, contextLength, 10000,
                1e-6);
        GemmaDecoder decoder = GemmaDecoder.create(shape, DataType.FLOAT, new Sgd(0), 7);
        Nd4j.getRandom().setSeed(11);
        decoder.graph().params().assign(Nd4j.randn(DataType.FLOAT, decoder.graph().params().length()).muli(0.3));
        DecoderTensors tensors = decoder.tensors();
        int endOfTurn = tokenizer.pieceToId("<end_of_turn>");
        for (int control : new int[] {0, tokenizer.eosId(), tokenizer.bosId(), endOfTurn}) {
            tensors.embed.getRow(control).assign(0);
        }
        return new ServedModel(ID, shape, tensors, tokenizer, tokenizer.bosId(),
                new int[] {tokenizer.eosId(), endOfTurn});
    }
}
