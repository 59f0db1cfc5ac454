package io.gemmaspark.evaluation;

import io.gemmaspark.evaluation.lm.ModelFiles;
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
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.nd4j.linalg.factory.Nd4j;

/** A tiny random Gemma with a small trained BPE tokenizer, saved as an HF directory like a real checkpoint. */
public final class TinyModels {
    public static final int VOCAB = 320;

    private TinyModels() {
    }

    public static final List<String> CORPUS = List.of(
            "The quick brown fox jumps over the lazy dog.",
            "Question: What is the capital of France? Answer: Paris is the capital of France.",
            "A woman places a tray of dough into the oven and closes the door.",
            "The river ran slowly past the old mill where the wheel had not turned.",
            "Tom has 3 boxes with 4 apples in each box, so he has 12 apples. #### 12",
            "Bread is made from flour, water, salt and yeast, then baked in a hot oven.",
            "The trophy would not fit in the suitcase because the suitcase was too small.",
            "Children played on the bank in the summer, and in the winter the water froze.");

    public static GemmaConfig config(String name, int maxPositions) {
        return new GemmaConfig(name, VOCAB, 16, 2, 2, 1, 8, 32, maxPositions, 10000, 1e-6);
    }

    /** Writes {@code dir/config.json, model.safetensors, tokenizer.model}; the weights are N(0, scale) from the seed. */
    public static Path write(Path dir, GemmaConfig config, long seed, double scale) throws Exception {
        Files.createDirectories(dir);
        TokenizerTrainingConfig tc = TokenizerTrainingConfig.gemma(VOCAB);
        TrainingText text = new TrainingText(tc);
        Map<String, Long> words = new HashMap<>();
        for (String line : CORPUS) {
            text.words(line, w -> words.merge(w, 1L, Long::sum));
        }
        Path tokenizer = dir.resolve("tokenizer.model.src");
        Files.write(tokenizer, new BpeTrainer(tc).train(words).proto().toByteArray());
        GemmaWeights weights = GemmaWeights.allocate(config);
        Nd4j.getRandom().setSeed(seed);
        weights.flat().assign(Nd4j.randn(weights.flat().dataType(), weights.flat().length()).muli(scale));
        HfCheckpoint.write(hadoop(dir), weights, HfConfigJson.ModelConfig.withGemmaTokens(config), TensorDtype.F32,
                hadoop(tokenizer), new Configuration());
        Files.delete(tokenizer);
        return dir;
    }

    public static ModelFiles files(Path dir) {
        return ModelFiles.resolve(dir.toString(), null, new Configuration());
    }

    public static org.apache.hadoop.fs.Path hadoop(Path p) {
        return new org.apache.hadoop.fs.Path(p.toUri());
    }
}
