package io.gemmaspark.jobs;

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
 * A start checkpoint for the instruction-tuning commands: a 700-piece BPE tokenizer trained on the shipped SFT
 * text and a randomly initialised 2-layer, 64-wide Gemma over it, as a native checkpoint store.
 */
final class InstructBase {
    private InstructBase() {
    }

    static String create(Path work) throws Exception {
        TokenizerTrainingConfig config = TokenizerTrainingConfig.gemma(700);
        TrainingText text = new TrainingText(config);
        Map<String, Long> counts = new HashMap<>();
        for (String line : Files.readAllLines(Path.of("../data/instruct/sft-train.jsonl"))) {
            var node = Json.MAPPER.readTree(line);
            node.findValues("content").forEach(v -> text.words(v.asText(), w -> counts.merge(w, 1L, Long::sum)));
            for (String field : new String[] {"prompt", "completion"}) {
                if (node.has(field)) {
                    text.words(node.get(field).asText(), w -> counts.merge(w, 1L, Long::sum));
                }
            }
        }
        BpeTrainer.Result trained = new BpeTrainer(config).train(counts);
        Path tokenizer = work.resolve("tokenizer.model");
        Files.createDirectories(work);
        Files.write(tokenizer, trained.proto().toByteArray());
        GemmaConfig shape = new GemmaConfig("instruct-test", trained.tokenizer().vocabSize(), 64, 2, 4, 1, 16, 192,
                128, 10000, 1e-6);
        GemmaDecoder decoder = GemmaDecoder.create(shape, DataType.FLOAT, new NoOp(), 3);
        String base = work.resolve("base").toString();
        new CheckpointStore(base, 1, new Configuration()).save(0, NativeCheckpoint.Contents.of(decoder.toWeights(),
                HfConfigJson.ModelConfig.withGemmaTokens(shape), Map.of(), Json.MAPPER.createObjectNode(),
                new org.apache.hadoop.fs.Path(tokenizer.toUri())));
        return base;
    }
}
