package io.gemmaspark.model;

import io.gemmaspark.config.ConfigLoader;
import io.gemmaspark.config.Default;
import io.gemmaspark.config.Range;
import java.util.List;

/**
 * The shape of a Gemma decoder. Keys follow the Hugging Face {@code config.json} names so that presets in
 * {@code conf/models/} and real checkpoints read the same way.
 *
 * @param intermediateSize width of each GeGLU projection (gate and up each have this many outputs)
 * @param headDim          per-head width; attention width is numAttentionHeads*headDim, which may differ from
 *                         hiddenSize (7B: 16*256 = 4096 against 3072)
 */
public record GemmaConfig(
        @Default("custom") String name,
        @Range(min = 1) int vocabSize,
        @Range(min = 1) int hiddenSize,
        @Range(min = 1) int numHiddenLayers,
        @Range(min = 1) int numAttentionHeads,
        @Range(min = 1) int numKeyValueHeads,
        @Range(min = 2) int headDim,
        @Range(min = 1) int intermediateSize,
        @Range(min = 1) @Default("8192") int maxPositionEmbeddings,
        @Range(min = 1) @Default("10000") double ropeTheta,
        @Range(min = 0, max = 1) @Default("1e-6") double rmsNormEps) {

    public GemmaConfig {
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads (" + numAttentionHeads
                    + ") must be a multiple of num_key_value_heads (" + numKeyValueHeads + ")");
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("head_dim (" + headDim + ") must be even for rotary embeddings");
        }
    }

    /** A preset from {@code conf/models/NAME.yaml}, with optional {@code key=value} overrides. */
    public static GemmaConfig preset(String name, String... overrides) {
        return ConfigLoader.load("models/" + name, GemmaConfig.class, List.of(overrides));
    }

    public int attentionWidth() {
        return numAttentionHeads * headDim;
    }

    public int kvWidth() {
        return numKeyValueHeads * headDim;
    }

    /** Trainable parameters, computed from the shape alone. Embeddings are tied, and there are no biases. */
    public long parameterCount() {
        long d = hiddenSize;
        long attention = d * attentionWidth() * 2L + d * kvWidth() * 2L;
        long mlp = 3L * d * intermediateSize;
        long norms = 2L * d;
        return (long) vocabSize * d + numHiddenLayers * (attention + mlp + norms) + d;
    }
}
