package io.gemmaspark.training.model;

import io.gemmaspark.model.GemmaConfig;
import io.gemmaspark.model.GemmaWeights;
import io.gemmaspark.model.TextCodec;
import io.gemmaspark.model.checkpoint.CheckpointStore;
import io.gemmaspark.model.checkpoint.HfCheckpoint;
import io.gemmaspark.model.tokenizer.TokenizerFiles;
import io.gemmaspark.util.UserError;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * The checkpoint a fine-tuning job starts from (SFT, reward model, RLHF): its weights, shape and tokenizer, read
 * from a native checkpoint, a checkpoint store (its latest valid checkpoint) or an HF directory.
 *
 * @param dir       the resolved checkpoint directory
 * @param shape     the model shape from its config.json
 * @param weights   float32 weights in the decoder's flat layout
 * @param tokenizer its tokenizer.model (fine-tuning needs text, so it is required); copied into new checkpoints
 * @param codec     that tokenizer
 * @param bosId     the BOS id from its config.json
 */
public record FineTuneStart(Path dir, GemmaConfig shape, GemmaWeights weights, String tokenizer, TextCodec codec,
        int bosId) {

    public static FineTuneStart load(String model, Configuration conf) {
        Path dir = CheckpointStore.resolveModelDirectory(model, conf);
        var config = HfCheckpoint.readConfig(dir, conf);
        GemmaWeights weights = GemmaWeights.allocate(config.model());
        HfCheckpoint.readInto(dir, weights, conf, null);
        Path tokenizer = HfCheckpoint.tokenizerModel(dir, conf);
        if (tokenizer == null) {
            throw new UserError(dir + ": no " + HfCheckpoint.TOKENIZER_MODEL + "; fine-tuning needs the model's tokenizer");
        }
        TextCodec codec;
        try (InputStream in = tokenizer.getFileSystem(conf).open(tokenizer)) {
            codec = TokenizerFiles.fromBytes(in.readAllBytes(), HfCheckpoint.TOKENIZER_MODEL);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + tokenizer, e);
        }
        return new FineTuneStart(dir, config.model(), weights, tokenizer.toString(), codec, config.bosTokenId());
    }

    /** Copies the weights into {@code graph}, a freshly built decoder graph (same flat layout). */
    public ComputationGraph copyInto(ComputationGraph graph) {
        graph.params().assign(weights.flat().reshape(graph.params().shape()));
        return graph;
    }
}
