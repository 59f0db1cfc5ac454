package io.gemmaspark.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class GemmaWeightsTest {
    private final GemmaConfig tiny = GemmaConfig.preset("tiny");

    @Test
    void expectedShapesFollowTheHuggingFaceLayoutAndCountEveryParameter() {
        GemmaConfig mha = GemmaConfig.preset("gemma-7b");
        LinkedHashMap<String, long[]> shapes = GemmaWeights.expectedShapes(mha);
        assertArrayEquals(new long[] {256000, 3072}, shapes.get("model.embed_tokens.weight"));
        assertArrayEquals(new long[] {4096, 3072}, shapes.get("model.layers.27.self_attn.q_proj.weight"));
        assertArrayEquals(new long[] {4096, 3072}, shapes.get("model.layers.0.self_attn.k_proj.weight"));
        assertArrayEquals(new long[] {3072, 4096}, shapes.get("model.layers.5.self_attn.o_proj.weight"));
        assertArrayEquals(new long[] {24576, 3072}, shapes.get("model.layers.5.mlp.gate_proj.weight"));
        assertArrayEquals(new long[] {3072, 24576}, shapes.get("model.layers.5.mlp.down_proj.weight"));
        assertArrayEquals(new long[] {3072}, shapes.get("model.norm.weight"));
        assertEquals(1 + 28 * 9 + 1, shapes.size());
        long total = shapes.values().stream().mapToLong(s -> s.length == 1 ? s[0] : s[0] * s[1]).sum();
        assertEquals(8_537_680_896L, total);
        assertArrayEquals(new long[] {256, 2048},
                GemmaWeights.expectedShapes(GemmaConfig.preset("gemma-2b")).get("model.layers.17.self_attn.v_proj.weight"));
    }

    @Test
    void allocatedTensorsAreViewsOfOneFlatBuffer() {
        GemmaWeights weights = GemmaWeights.allocate(tiny);
        assertEquals(tiny.parameterCount(), weights.flat().length());
        weights.flat().assign(0);
        weights.get(GemmaWeights.qProj(2)).putScalar(new long[] {3, 5}, 7f);
        weights.get(GemmaWeights.FINAL_NORM).putScalar(127, 9f);
        assertEquals(16f, weights.flat().sumNumber().floatValue());
        assertEquals(9f, weights.flat().getFloat(tiny.parameterCount() - 1));
    }

    @Test
    void validationNamesMissingMisshapedAndUnexpectedTensors() {
        Map<String, long[]> shapes = GemmaWeights.expectedShapes(tiny);
        shapes.remove(GemmaWeights.upProj(1));
        shapes.put(GemmaWeights.kProj(3), new long[] {64, 128});
        shapes.put("lm_head.weight", new long[] {4096, 128});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GemmaWeights.validateShapes(tiny, shapes, "ckpt/model.safetensors"));
        assertTrue(e.getMessage().startsWith("ckpt/model.safetensors: "), e.getMessage());
        assertTrue(e.getMessage().contains("missing tensor model.layers.1.mlp.up_proj.weight (expected shape [512, 128])"));
        assertTrue(e.getMessage().contains("tensor model.layers.3.self_attn.k_proj.weight has shape [64, 128] but the config needs [32, 128]"));
        assertTrue(e.getMessage().contains("unexpected tensor lm_head.weight"));
    }

    @Test
    void wrapAcceptsCallerOwnedArraysAndRejectsWrongDtype() {
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        GemmaWeights.expectedShapes(tiny).forEach((name, shape) -> arrays.put(name, Nd4j.zeros(DataType.FLOAT, shape)));
        GemmaWeights wrapped = GemmaWeights.wrap(tiny, arrays);
        GemmaWeights source = GemmaWeights.allocate(tiny);
        source.flat().assign(0.5);
        wrapped.assign(source);
        assertEquals(0.5f, arrays.get(GemmaWeights.EMBED_TOKENS).getFloat(100, 3));
        arrays.put(GemmaWeights.FINAL_NORM, Nd4j.zeros(DataType.DOUBLE, 128));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GemmaWeights.wrap(tiny, arrays));
        assertTrue(e.getMessage().contains("model.norm.weight"));
    }
}
