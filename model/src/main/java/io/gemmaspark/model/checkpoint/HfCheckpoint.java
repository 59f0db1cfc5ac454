package io.gemmaspark.model.checkpoint;

import io.gemmaspark.model.GemmaConfig;
import io.gemmaspark.model.GemmaWeights;
import io.gemmaspark.util.Progress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A model directory in the Hugging Face layout: {@code config.json}, {@code model.safetensors} or sharded
 * {@code model.safetensors.index.json}, and {@code tokenizer.model} when there is one. Tensors use the HF
 * Gemma names ({@link GemmaWeights}) in F32, BF16 or F16; loading always produces float32, widening straight
 * into the destination arrays.
 */
public final class HfCheckpoint {
    public static final String MODEL = "model";
    public static final String TOKENIZER_MODEL = "tokenizer.model";
    /** The reward head of a sequence-classification checkpoint, beside the decoder's tensors. */
    public static final String SCORE_WEIGHT = "score.weight";
    /** transformers' default {@code max_shard_size} of "5GB". */
    public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;

    private HfCheckpoint() {
    }

    public static HfConfigJson.ModelConfig readConfig(Path dir, Configuration conf) {
        Path file = new Path(dir, HfConfigJson.FILE_NAME);
        if (!CheckpointFiles.exists(file, conf)) {
            throw new CheckpointFormatException(dir + ": no " + HfConfigJson.FILE_NAME + " (is this a model directory?)");
        }
        return HfConfigJson.read(file, conf);
    }

    /** Opens the model's tensors and checks that their names and shapes are exactly those {@code config} needs. */
    public static SafetensorsSet openTensors(Path dir, GemmaConfig config, Configuration conf) {
        SafetensorsSet tensors = SafetensorsSet.open(dir, MODEL, conf);
        try {
            GemmaWeights.validateShapes(config, tensors.shapes(), tensors.location());
        } catch (IllegalArgumentException e) {
            tensors.close();
            throw new CheckpointFormatException(e.getMessage() + " (shapes from " + HfConfigJson.FILE_NAME + ")", e);
        }
        return tensors;
    }

    /** Loads {@code dir} into freshly allocated float32 weights (one flat buffer, see {@link GemmaWeights#allocate}). */
    public static GemmaWeights load(Path dir, Configuration conf) {
        GemmaWeights weights = GemmaWeights.allocate(readConfig(dir, conf).model());
        readInto(dir, weights, conf, null);
        return weights;
    }

    /**
     * Reads {@code dir}'s tensors into {@code target}'s arrays in place; {@code config.json} must describe the same
     * shape as {@code target.config()}.
     */
    public static void readInto(Path dir, GemmaWeights target, Configuration conf, Progress progress) {
        GemmaConfig stored = readConfig(dir, conf).model();
        if (!sameShape(stored, target.config())) {
            throw new CheckpointFormatException(dir + ": " + HfConfigJson.FILE_NAME + " describes " + describe(stored)
                    + " but the destination model is " + describe(target.config()));
        }
        try (SafetensorsSet tensors = openTensors(dir, target.config(), conf)) {
            long done = 0;
            for (Map.Entry<String, INDArray> tensor : target.tensors().entrySet()) {
                tensors.readInto(tensor.getKey(), tensor.getValue());
                done += tensor.getValue().length() * Float.BYTES;
                if (progress != null) {
                    progress.update(done >> 20, tensor.getKey());
                }
            }
        }
    }

    /**
     * Writes a complete HF model directory: config.json, the tensors as {@code dtype} (sharded above
     * {@code maxShardBytes}), and a copy of {@code tokenizerModel} when it is not null.
     *
     * @param tensors every tensor {@code config} needs, in the order to store them, and optionally a reward head
     *                {@value #SCORE_WEIGHT} {@code [1, hidden]} (HF's {@code GemmaForSequenceClassification})
     * @return the files written
     */
    public static List<String> write(Path dir, HfConfigJson.ModelConfig config, Map<String, ? extends TensorSource> tensors,
                                     TensorDtype dtype, long maxShardBytes, Path tokenizerModel, Configuration conf) {
        LinkedHashMap<String, long[]> shapes = new LinkedHashMap<>();
        tensors.forEach((name, tensor) -> shapes.put(name, tensor.shape()));
        long[] head = shapes.remove(SCORE_WEIGHT);
        if (head != null && !java.util.Arrays.equals(head, new long[] {1, config.model().hiddenSize()})) {
            throw new IllegalArgumentException("tensors to write: " + SCORE_WEIGHT + " has shape "
                    + java.util.Arrays.toString(head) + ", expected [1, " + config.model().hiddenSize() + "]");
        }
        GemmaWeights.validateShapes(config.model(), shapes, "tensors to write");
        List<String> written = new ArrayList<>();
        var json = HfConfigJson.toJson(config, dtype);
        if (head != null) {
            // transformers loads this directory as a one-label sequence classifier (a reward model).
            json.putArray("architectures").add("GemmaForSequenceClassification");
            json.putObject("id2label").put("0", "LABEL_0");
            json.putObject("label2id").put("LABEL_0", 0);
        }
        CheckpointFiles.writeString(new Path(dir, HfConfigJson.FILE_NAME), io.gemmaspark.util.Json.pretty(json) + "\n",
                conf);
        written.add(HfConfigJson.FILE_NAME);
        written.addAll(SafetensorsSet.write(dir, MODEL, tensors, dtype, maxShardBytes, conf));
        if (tokenizerModel != null) {
            CheckpointFiles.copy(tokenizerModel, new Path(dir, TOKENIZER_MODEL), conf);
            written.add(TOKENIZER_MODEL);
        }
        return written;
    }

    /** Writes {@code weights} as an HF model directory. */
    public static List<String> write(Path dir, GemmaWeights weights, HfConfigJson.ModelConfig config, TensorDtype dtype,
                                     Path tokenizerModel, Configuration conf) {
        return write(dir, config, sources(weights), dtype, DEFAULT_MAX_SHARD_BYTES, tokenizerModel, conf);
    }

    /** Every tensor of {@code weights} as a source read in place, in {@link GemmaWeights#expectedShapes} order. */
    public static LinkedHashMap<String, TensorSource> sources(GemmaWeights weights) {
        LinkedHashMap<String, TensorSource> sources = new LinkedHashMap<>();
        weights.tensors().forEach((name, array) -> sources.put(name, TensorSource.of(array)));
        return sources;
    }

    /** The tensors of an opened set in {@link GemmaWeights#expectedShapes} order, read lazily. */
    public static LinkedHashMap<String, TensorSource> sources(SafetensorsSet tensors, GemmaConfig config) {
        LinkedHashMap<String, TensorSource> sources = new LinkedHashMap<>();
        for (String name : GemmaWeights.expectedShapes(config).keySet()) {
            sources.put(name, tensors.source(name));
        }
        return sources;
    }

    /** The tokenizer shipped with {@code dir}, or null. */
    public static Path tokenizerModel(Path dir, Configuration conf) {
        Path tokenizer = new Path(dir, TOKENIZER_MODEL);
        return CheckpointFiles.exists(tokenizer, conf) ? tokenizer : null;
    }

    static boolean sameShape(GemmaConfig a, GemmaConfig b) {
        return GemmaWeights.expectedShapes(a).keySet().equals(GemmaWeights.expectedShapes(b).keySet())
                && a.vocabSize() == b.vocabSize() && a.hiddenSize() == b.hiddenSize()
                && a.numAttentionHeads() == b.numAttentionHeads() && a.numKeyValueHeads() == b.numKeyValueHeads()
                && a.headDim() == b.headDim() && a.intermediateSize() == b.intermediateSize();
    }

    static String describe(GemmaConfig c) {
        return String.format("%d layers, hidden %d, %d heads (%d kv) x %d, ffn %d, vocab %d", c.numHiddenLayers(),
                c.hiddenSize(), c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim(), c.intermediateSize(),
                c.vocabSize());
    }
}
