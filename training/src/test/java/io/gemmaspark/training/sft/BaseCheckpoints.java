package io.gemmaspark.training.sft;

import com.fasterxml.jackson.databind.JsonNode;
import io.gemmaspark.model.GemmaConfig;
import io.gemmaspark.model.checkpoint.CheckpointStore;
import io.gemmaspark.model.checkpoint.HfConfigJson;
import io.gemmaspark.model.checkpoint.NativeCheckpoint;
import io.gemmaspark.model.decoder.GemmaDecoder;
import io.gemmaspark.model.tokenizer.BpeTrainer;
import io.gemmaspark.model.tokenizer.TokenizerTrainingConfig;
import io.gemmaspark.model.tokenizer.TrainingText;
import io.gemmaspark.util.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * A base checkpoint for fine-tuning tests: a BPE tokenizer trained on the shipped instruction set's text, and a
 * randomly initialised small Gemma over its vocabulary, saved as a native checkpoint store.
 */
public final class BaseCheckpoints {
    private BaseCheckpoints() {
    }

    static GemmaConfig shape(int vocab) {
        return new GemmaConfig("sft-test", vocab, 64, 2, 4, 1, 16, 192, 128, 10000, 1e-6);
    }

    public static String create(Path dir, String jsonl, int vocabSize, long seed) throws Exception {
        TokenizerTrainingConfig config = TokenizerTrainingConfig.gemma(vocabSize);
        TrainingText text = new TrainingText(config);
        Map<String, Long> counts = new HashMap<>();
        for (String line : Files.readAllLines(Path.of(jsonl))) {
            JsonNode node = Json.MAPPER.readTree(line);
            node.findValues("content").forEach(v -> text.words(v.asText(), w -> counts.merge(w, 1L, Long::sum)));
            for (String f : new String[] {"prompt", "completion"}) {
                if (node.has(f)) {
                    text.words(node.get(f).asText(), w -> counts.merge(w, 1L, Long::sum));
                }
            }
        }
        BpeTrainer.Result trained = new BpeTrainer(config).train(counts);
        Path tokenizer = dir.resolve("tokenizer.model");
        Files.createDirectories(dir);
        Files.write(tokenizer, trained.proto().toByteArray());
        GemmaConfig shape = shape(trained.tokenizer().vocabSize());
        GemmaDecoder decoder = GemmaDecoder.create(shape, DataType.FLOAT, new NoOp(), seed);
        String store = dir.resolve("base").toString();
        new CheckpointStore(store, 1, new Configuration()).save(0, NativeCheckpoint.Contents.of(decoder.toWeights(),
                HfConfigJson.ModelConfig.withGemmaTokens(shape), Map.of(), Json.MAPPER.createObjectNode(),
                new org.apache.hadoop.fs.Path(tokenizer.toUri())));
        return store;
    }
}
