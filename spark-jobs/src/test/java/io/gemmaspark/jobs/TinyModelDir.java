package io.gemmaspark.jobs;

import io.gemmaspark.model.GemmaConfig;
import io.gemmaspark.model.GemmaWeights;
import io.gemmaspark.model.checkpoint.HfCheckpoint;
import io.gemmaspark.model.checkpoint.HfConfigJson;
import io.gemmaspark.model.checkpoint.TensorDtype;
import io.gemmaspark.model.tokenizer.BpeTrainer;
import io.gemmaspark.model.tokenizer.TokenizerTrainingConfig;
import io.gemmaspark.model.tokenizer.TrainingText;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.nd4j.linalg.factory.Nd4j;

/** A tiny random model directory with a trained tokenizer, for the commands that need text (serve, generate-batch). */
final class TinyModelDir {
    private TinyModelDir() {
    }

    /** A random model with a 300-piece tokenizer, in HF layout. */
    static Path create(Path tmp) throws Exception {
        TokenizerTrainingConfig config = TokenizerTrainingConfig.gemma(300);
        TrainingText text = new TrainingText(config);
        Map<String, Long> counts = new HashMap<>();
        for (int i = 0; i < 10; i++) {
            text.words("spark executors decode many prompts together", w -> counts.merge(w, 1L, Long::sum));
        }
        BpeTrainer.Result tokenizer = new BpeTrainer(config).train(counts);
        Path tokenizerFile = tmp.resolve("tokenizer.model");
        Files.write(tokenizerFile, tokenizer.proto().toByteArray());
        GemmaConfig shape = new GemmaConfig("batch-tiny", tokenizer.tokenizer().vocabSize(), 32, 2, 2, 1, 16, 64, 128,
                10000, 1e-6);
        GemmaWeights weights = GemmaWeights.allocate(shape);
        Nd4j.getRandom().setSeed(5);
        weights.flat().assign(Nd4j.randn(weights.flat().dataType(), weights.flat().length()).muli(0.2));
        Path dir = tmp.resolve("model");
        Files.createDirectories(dir);
        HfCheckpoint.write(ModelCommandsTest.hadoop(dir), weights, HfConfigJson.ModelConfig.withGemmaTokens(shape),
                TensorDtype.F32, ModelCommandsTest.hadoop(tokenizerFile), new Configuration());
        return dir;
    }
}
