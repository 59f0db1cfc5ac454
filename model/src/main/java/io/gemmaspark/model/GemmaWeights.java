package io.gemmaspark.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import io.gemmaspark.util.UserError;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The parameters of a Gemma decoder as named tensors, in the Hugging Face layout: names such as
 * {@code model.layers.3.self_attn.q_proj.weight}, linear weights shaped {@code [out_features, in_features]},
 * float32, row-major. This is the exchange format between checkpoints and the decoder.
 *
 * <p>RMSNorm weights are stored as {@code w} where the applied scale is {@code (1 + w)}, exactly as in HF Gemma,
 * so a freshly initialised norm is all zeros. The output projection is the embedding matrix (tied), so there is
 * no {@code lm_head.weight}.
 *
 * <p>A 2B model is 10 GB in float32, so copies are avoided: {@link #allocate} lays every tensor out as a view of
 * one flat buffer (in {@link #expectedShapes} order), and {@link #wrap} accepts views the caller already owns
 * (for example slices of a DL4J parameter vector) so that a checkpoint can be read straight into them.
 */
public final class GemmaWeights {
    public static final String EMBED_TOKENS = "model.embed_tokens.weight";
    public static final String FINAL_NORM = "model.norm.weight";

    private final GemmaConfig config;
    private final LinkedHashMap<String, INDArray> tensors;
    private final INDArray flat;

    private GemmaWeights(GemmaConfig config, LinkedHashMap<String, INDArray> tensors, INDArray flat) {
        this.config = config;
        this.tensors = tensors;
        this.flat = flat;
    }

    // ---- names -------------------------------------------------------------------------------------------

    public static String qProj(int layer) {
        return layerPrefix(layer) + "self_attn.q_proj.weight";
    }

    public static String kProj(int layer) {
        return layerPrefix(layer) + "self_attn.k_proj.weight";
    }

    public static String vProj(int layer) {
        return layerPrefix(layer) + "self_attn.v_proj.weight";
    }

    public static String oProj(int layer) {
        return layerPrefix(layer) + "self_attn.o_proj.weight";
    }

    public static String gateProj(int layer) {
        return layerPrefix(layer) + "mlp.gate_proj.weight";
    }

    public static String upProj(int layer) {
        return layerPrefix(layer) + "mlp.up_proj.weight";
    }

    public static String downProj(int layer) {
        return layerPrefix(layer) + "mlp.down_proj.weight";
    }

    public static String inputNorm(int layer) {
        return layerPrefix(layer) + "input_layernorm.weight";
    }

    public static String postAttentionNorm(int layer) {
        return layerPrefix(layer) + "post_attention_layernorm.weight";
    }

    private static String layerPrefix(int layer) {
        return "model.layers." + layer + ".";
    }

    /**
     * Every tensor a decoder of this shape has, with its HF shape, in forward order: embeddings, then per layer
     * input norm, q, k, v, o, post-attention norm, gate, up, down, then the final norm.
     */
    public static LinkedHashMap<String, long[]> expectedShapes(GemmaConfig c) {
        long d = c.hiddenSize();
        long attention = c.attentionWidth();
        long kv = c.kvWidth();
        long ffn = c.intermediateSize();
        LinkedHashMap<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put(EMBED_TOKENS, new long[] {c.vocabSize(), d});
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            shapes.put(inputNorm(i), new long[] {d});
            shapes.put(qProj(i), new long[] {attention, d});
            shapes.put(kProj(i), new long[] {kv, d});
            shapes.put(vProj(i), new long[] {kv, d});
            shapes.put(oProj(i), new long[] {d, attention});
            shapes.put(postAttentionNorm(i), new long[] {d});
            shapes.put(gateProj(i), new long[] {ffn, d});
            shapes.put(upProj(i), new long[] {ffn, d});
            shapes.put(downProj(i), new long[] {d, ffn});
        }
        shapes.put(FINAL_NORM, new long[] {d});
        return shapes;
    }

    /**
     * Checks that {@code actual} holds exactly the tensors of {@code config}, each with its expected shape.
     *
     * @param source names the file or object being checked, for the error message
     * @throws IllegalArgumentException naming each missing, unexpected or misshaped tensor (up to ten of them)
     */
    public static void validateShapes(GemmaConfig config, Map<String, long[]> actual, String source) {
        LinkedHashMap<String, long[]> expected = expectedShapes(config);
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            long[] shape = actual.get(e.getKey());
            if (shape == null) {
                problems.add("missing tensor " + e.getKey() + " (expected shape " + Arrays.toString(e.getValue()) + ")");
            } else if (!Arrays.equals(shape, e.getValue())) {
                problems.add("tensor " + e.getKey() + " has shape " + Arrays.toString(shape) + " but the config needs "
                        + Arrays.toString(e.getValue()));
            }
        }
        for (String name : actual.keySet()) {
            if (!expected.containsKey(name)) {
                problems.add("unexpected tensor " + name + " " + Arrays.toString(actual.get(name))
                        + " (not part of a " + config.numHiddenLayers() + "-layer Gemma)");
            }
        }
        if (!problems.isEmpty()) {
            int shown = Math.min(problems.size(), 10);
            String more = problems.size() > shown ? "; and " + (problems.size() - shown) + " more" : "";
            throw new IllegalArgumentException(source + ": " + String.join("; ", problems.subList(0, shown)) + more);
        }
    }

    // ---- construction ------------------------------------------------------------------------------------

    /**
     * Uninitialised float32 weights for {@code config}: one flat buffer of {@link GemmaConfig#parameterCount()}
     * floats, with each tensor a row-major view of its slice in {@link #expectedShapes} order.
     */
    public static GemmaWeights allocate(GemmaConfig config) {
        requireNativeMemory(config.parameterCount() * Float.BYTES);
        // Outside any workspace: the weights outlive whatever training or inference scope the caller is in.
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray flat = Nd4j.createUninitialized(DataType.FLOAT, config.parameterCount());
            LinkedHashMap<String, INDArray> views = new LinkedHashMap<>();
            long offset = 0;
            for (Map.Entry<String, long[]> e : expectedShapes(config).entrySet()) {
                long length = Arrays.stream(e.getValue()).reduce(1, Math::multiplyExact);
                views.put(e.getKey(), flat.get(NDArrayIndex.interval(offset, offset + length)).reshape('c', e.getValue()));
                offset += length;
            }
            return new GemmaWeights(config, views, flat);
        }
    }

    /**
     * Fails with advice, instead of an opaque OutOfMemoryError at ND4J's next allocation, when the process would
     * exceed JavaCPP's physical-memory limit ({@code org.bytedeco.javacpp.maxphysicalbytes}, by default a small
     * multiple of -Xmx) once {@code bytes} more are resident. ND4J's buffers are not counted against
     * {@code maxbytes}, but every native allocation checks the process's resident size against this limit.
     */
    static void requireNativeMemory(long bytes) {
        long limit = Pointer.maxPhysicalBytes();
        long resident = Pointer.physicalBytes();
        if (limit > 0 && resident + bytes > limit) {
            throw new UserError(String.format(Locale.ROOT, "the model needs %.2f GB more memory but JavaCPP caps the "
                    + "process at %.2f GB (%.2f GB resident); raise the cap with "
                    + "-Dorg.bytedeco.javacpp.maxphysicalbytes=%dg (bin/gemma: GEMMA_JAVA_OPTS)", bytes / 1e9,
                    limit / 1e9, resident / 1e9, (resident + bytes) / (1L << 30) + 4));
        }
    }

    /**
     * Weights made of arrays the caller owns (no copy). Every tensor must be present, float32, row-major
     * contiguous, and shaped as {@link #expectedShapes} says.
     */
    public static GemmaWeights wrap(GemmaConfig config, Map<String, INDArray> arrays) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        arrays.forEach((name, array) -> shapes.put(name, array.shape()));
        validateShapes(config, shapes, "weights");
        LinkedHashMap<String, INDArray> ordered = new LinkedHashMap<>();
        for (String name : expectedShapes(config).keySet()) {
            INDArray array = arrays.get(name);
            if (array.dataType() != DataType.FLOAT) {
                throw new IllegalArgumentException("tensor " + name + " is " + array.dataType() + ", expected FLOAT");
            }
            if (array.ordering() != 'c' || array.length() > 1 && array.elementWiseStride() != 1) {
                throw new IllegalArgumentException("tensor " + name + " must be a contiguous row-major array");
            }
            ordered.put(name, array);
        }
        return new GemmaWeights(config, ordered, null);
    }

    // ---- access ------------------------------------------------------------------------------------------

    public GemmaConfig config() {
        return config;
    }

    /** The tensor called {@code name}; throws naming it when this model has no such tensor. */
    public INDArray get(String name) {
        INDArray array = tensors.get(name);
        if (array == null) {
            throw new IllegalArgumentException("no tensor " + name + " in a " + config.numHiddenLayers()
                    + "-layer Gemma");
        }
        return array;
    }

    /** All tensors in {@link #expectedShapes} order (unmodifiable; the arrays themselves are live). */
    public Map<String, INDArray> tensors() {
        return Collections.unmodifiableMap(tensors);
    }

    /** Every tensor's shape, in order. */
    public LinkedHashMap<String, long[]> shapes() {
        LinkedHashMap<String, long[]> shapes = new LinkedHashMap<>();
        tensors.forEach((name, array) -> shapes.put(name, array.shape()));
        return shapes;
    }

    /** The single buffer behind every tensor when these weights came from {@link #allocate}, else {@code null}. */
    public INDArray flat() {
        return flat;
    }

    /** Copies every tensor of {@code other} (same config) into this one's arrays. */
    public void assign(GemmaWeights other) {
        validateShapes(config, other.shapes(), "assigned weights");
        tensors.forEach((name, array) -> array.assign(other.get(name)));
    }
}
