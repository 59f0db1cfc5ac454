package io.gemmaspark.jobs;

import io.gemmaspark.model.GemmaWeights;
import io.gemmaspark.model.TextCodec;
import io.gemmaspark.model.checkpoint.CheckpointStore;
import io.gemmaspark.model.checkpoint.HfCheckpoint;
import io.gemmaspark.model.checkpoint.HfConfigJson;
import io.gemmaspark.model.decoder.GemmaDecoder;
import io.gemmaspark.model.tokenizer.TokenizerFiles;
import io.gemmaspark.util.Progress;
import io.gemmaspark.util.UserError;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * A model loaded for inference by the {@code generate} and {@code forward} commands: the decoder over weights
 * read from an HF directory, a native checkpoint or a checkpoint store, and the text codec when a tokenizer is
 * available.
 */
public final class ModelSession {
    public final Path dir;
    public final HfConfigJson.ModelConfig config;
    public final GemmaDecoder decoder;
    public final Optional<TextCodec> codec;
    public final double loadSeconds;

    private ModelSession(Path dir, HfConfigJson.ModelConfig config, GemmaDecoder decoder, Optional<TextCodec> codec,
                         double loadSeconds) {
        this.dir = dir;
        this.config = config;
        this.decoder = decoder;
        this.codec = codec;
        this.loadSeconds = loadSeconds;
    }

    public static ModelSession open(String model) {
        long start = System.nanoTime();
        Configuration conf = new Configuration();
        Path dir = CheckpointStore.resolveModelDirectory(model, conf);
        HfConfigJson.ModelConfig config = HfCheckpoint.readConfig(dir, conf);
        GemmaWeights weights = GemmaWeights.allocate(config.model());
        long megabytes = config.model().parameterCount() * Float.BYTES >> 20;
        HfCheckpoint.readInto(dir, weights, conf, new Progress("load", "MB", megabytes));
        GemmaDecoder decoder = GemmaDecoder.fromWeights(config.model(), weights, null);
        return new ModelSession(dir, config, decoder, codec(dir, conf), (System.nanoTime() - start) / 1e9);
    }

    /** The tokenizer stored with the model in {@code dir}, if any (without loading the weights). */
    public static Optional<TextCodec> codec(Path dir, Configuration conf) {
        Path tokenizer = HfCheckpoint.tokenizerModel(dir, conf);
        if (tokenizer == null) {
            return Optional.empty();
        }
        try (InputStream in = tokenizer.getFileSystem(conf).open(tokenizer)) {
            return Optional.of(TokenizerFiles.fromBytes(in.readAllBytes(), HfCheckpoint.TOKENIZER_MODEL));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + tokenizer, e);
        }
    }

    /** The codec, or an error saying why text cannot be used with this model. */
    public TextCodec requireCodec(String option) {
        // The codec is absent only when the model directory has no tokenizer file.
        return codec.orElseThrow(() -> new UserError(option + " needs a tokenizer, but " + dir + " has no "
                + HfCheckpoint.TOKENIZER_MODEL + "; pass token ids with --ids instead"));
    }

    /** Parses {@code "2,651,1234"}; each id must be inside the vocabulary. */
    int[] parseIds(String csv, String option) {
        String[] parts = csv.split(",");
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new UserError(option + ": element " + (i + 1) + " (\"" + parts[i].trim() + "\") is not a token id");
            }
            if (ids[i] < 0 || ids[i] >= config.model().vocabSize()) {
                throw new UserError(option + ": element " + (i + 1) + " is " + ids[i] + ", outside the vocabulary [0, "
                        + config.model().vocabSize() + ")");
            }
        }
        if (ids.length > config.model().maxPositionEmbeddings()) {
            throw new UserError(option + ": " + ids.length + " tokens exceed max_position_embeddings "
                    + config.model().maxPositionEmbeddings());
        }
        return ids;
    }

    public String describe() {
        return String.format(Locale.ROOT, "%s (%,d parameters) from %s, loaded in %.1f s", config.model().name(),
                config.model().parameterCount(), dir, loadSeconds);
    }
}
