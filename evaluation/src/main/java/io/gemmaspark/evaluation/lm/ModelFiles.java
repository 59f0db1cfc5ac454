package io.gemmaspark.evaluation.lm;

import io.gemmaspark.model.TextCodec;
import io.gemmaspark.model.checkpoint.CheckpointStore;
import io.gemmaspark.model.checkpoint.HfCheckpoint;
import io.gemmaspark.model.checkpoint.HfConfigJson;
import io.gemmaspark.model.tokenizer.TokenizerFiles;
import io.gemmaspark.util.Sha256;
import io.gemmaspark.util.UserError;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * What the driver learns about a model before any executor loads it: the resolved directory (a store resolves to
 * its newest valid checkpoint), its configuration, the tokenizer bytes (shipped to executors with the requests, so
 * they need not find the file again) and the SHA-256 of its weights for the report.
 *
 * @param maxLength       the context length requests are truncated to (max_position_embeddings)
 * @param tokenizerSource the tokenizer's file name ({@code .json} selects the Hugging Face reader)
 */
public record ModelFiles(String requested, String directory, String modelName, long parameters, int bosId, int eosId,
                         int maxLength, byte[] tokenizerBytes, String tokenizerSource, String weightsSha256)
        implements Serializable {

    public static ModelFiles resolve(String model, String tokenizerOverride, Configuration conf) {
        Path dir = CheckpointStore.resolveModelDirectory(model, conf);
        HfConfigJson.ModelConfig config = HfCheckpoint.readConfig(dir, conf);
        String tokenizer = tokenizerOverride != null ? tokenizerOverride : findTokenizer(dir, conf);
        if (tokenizer == null) {
            throw new UserError(model + ": no tokenizer.model or tokenizer.json in " + dir + "; pass --tokenizer FILE");
        }
        return new ModelFiles(model, dir.toString(), config.model().name(), config.model().parameterCount(),
                config.bosTokenId(), config.eosTokenId(), config.model().maxPositionEmbeddings(),
                TokenizerFiles.readBytes(tokenizer), new Path(tokenizer).getName(), weightsSha256(dir, conf));
    }

    public TextCodec codec() {
        return TokenizerFiles.fromBytes(tokenizerBytes, tokenizerSource);
    }

    /**
     * A short name for file names and tables: the checkpoint directory's name, or its run's name when the
     * directory is a pretraining step ({@code run/checkpoints/step-N}) or has a generic name ({@code run/model}).
     */
    public String displayName() {
        Path dir = new Path(directory);
        String name = dir.getName();
        if (name.startsWith("step-") && dir.getParent() != null && dir.getParent().getParent() != null) {
            name = dir.getParent().getParent().getName() + "-" + name;
        } else if (GENERIC_NAMES.contains(name) && dir.getParent() != null && !dir.getParent().getName().isEmpty()) {
            name = dir.getParent().getName();
        }
        return name.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private static final java.util.Set<String> GENERIC_NAMES = java.util.Set.of("model", "hf", "native", "checkpoint",
            "final", "latest");

    private static String findTokenizer(Path dir, Configuration conf) {
        for (String name : List.of(HfCheckpoint.TOKENIZER_MODEL, "tokenizer.json")) {
            Path p = new Path(dir, name);
            try {
                if (p.getFileSystem(conf).exists(p)) {
                    return p.toString();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return null;
    }

    /** SHA-256 over the weight files ({@code *.safetensors}, in name order), which is what identifies the model. */
    static String weightsSha256(Path dir, Configuration conf) {
        try {
            FileSystem fs = dir.getFileSystem(conf);
            List<Path> files = new ArrayList<>();
            for (FileStatus status : fs.listStatus(dir)) {
                if (status.getPath().getName().endsWith(".safetensors") && !status.getPath().getName().startsWith("updater")) {
                    files.add(status.getPath());
                }
            }
            files.sort(null);
            if (files.size() == 1) {
                try (InputStream in = fs.open(files.get(0))) {
                    return Sha256.hex(in);
                }
            }
            MessageDigest all = Sha256.newDigest();
            for (Path f : files) {
                try (InputStream in = fs.open(f)) {
                    all.update(Sha256.hex(in).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                }
            }
            return HexFormat.of().formatHex(all.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot hash the weights in " + dir, e);
        }
    }
}
