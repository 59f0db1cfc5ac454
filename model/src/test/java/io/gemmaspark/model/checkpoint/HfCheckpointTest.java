package io.gemmaspark.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.model.GemmaConfig;
import io.gemmaspark.model.GemmaWeights;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Imports tiny Hugging Face checkpoints written by {@link ReferenceSafetensors} and a hand-written
 * config.json, in BF16 and F32, single-file and sharded; then exports and re-imports.
 */
class HfCheckpointTest {
    /** A 2-layer MQA Gemma small enough to write by hand: 2 heads of 8, 1 KV head, hidden 16, ffn 32, vocab 64. */
    static final String CONFIG_JSON = """
            {
              "architectures": ["GemmaForCausalLM"],
              "model_type": "gemma",
              "torch_dtype": "bfloat16",
              "hidden_act": "gelu",
              "hidden_activation": "gelu_pytorch_tanh",
              "vocab_size": 64,
              "hidden_size": 16,
              "num_hidden_layers": 2,
              "num_attention_heads": 2,
              "num_key_value_heads": 1,
              "head_dim": 8,
              "intermediate_size": 32,
              "max_position_embeddings": 128,
              "rope_theta": 10000.0,
              "rms_norm_eps": 1e-06,
              "attention_bias": false,
              "bos_token_id": 2,
              "eos_token_id": 1,
              "pad_token_id": 0
            }
            """;

    /** The tensors of {@link #CONFIG_JSON} written out by hand: name -> shape, in a non-canonical order. */
    static LinkedHashMap<String, long[]> tinyShapes() {
        LinkedHashMap<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("model.embed_tokens.weight", new long[] {64, 16});
        shapes.put("model.norm.weight", new long[] {16});
        for (int i = 0; i < 2; i++) {
            String p = "model.layers." + i + ".";
            shapes.put(p + "mlp.down_proj.weight", new long[] {16, 32});
            shapes.put(p + "mlp.gate_proj.weight", new long[] {32, 16});
            shapes.put(p + "mlp.up_proj.weight", new long[] {32, 16});
            shapes.put(p + "input_layernorm.weight", new long[] {16});
            shapes.put(p + "post_attention_layernorm.weight", new long[] {16});
            shapes.put(p + "self_attn.q_proj.weight", new long[] {16, 16});
            shapes.put(p + "self_attn.k_proj.weight", new long[] {8, 16});
            shapes.put(p + "self_attn.v_proj.weight", new long[] {8, 16});
            shapes.put(p + "self_attn.o_proj.weight", new long[] {16, 16});
        }
        return shapes;
    }

    static Map<String, float[]> tinyValues(long seed) {
        Random random = new Random(seed);
        Map<String, float[]> values = new LinkedHashMap<>();
        tinyShapes().forEach((name, shape) -> values.put(name,
                ReferenceSafetensors.bf16Values(shape.length == 1 ? shape[0] : shape[0] * shape[1], random, 0.5)));
        return values;
    }

    /** Writes an HF directory: config.json, then one file or {@code shards} shards plus an index. */
    static Path writeHfDirectory(Path dir, String dtype, int shards, Map<String, float[]> values) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), CONFIG_JSON);
        List<String> names = List.copyOf(tinyShapes().keySet());
        StringBuilder weightMap = new StringBuilder();
        for (int s = 0; s < shards; s++) {
            ReferenceSafetensors file = new ReferenceSafetensors();
            String fileName = shards == 1 ? "model.safetensors"
                    : String.format("model-%05d-of-%05d.safetensors", s + 1, shards);
            for (int i = s; i < names.size(); i += shards) {
                String name = names.get(i);
                long[] shape = tinyShapes().get(name);
                file.add(name, dtype.equals("BF16") ? ReferenceSafetensors.bf16(shape, values.get(name))
                        : ReferenceSafetensors.f32(shape, values.get(name)));
                weightMap.append(weightMap.length() == 0 ? "" : ",").append('"').append(name).append("\":\"")
                        .append(fileName).append('"');
            }
            file.writeTo(dir.resolve(fileName));
        }
        if (shards > 1) {
            Files.writeString(dir.resolve("model.safetensors.index.json"),
                    "{\"metadata\":{\"total_size\":0},\"weight_map\":{" + weightMap + "}}");
        }
        return dir;
    }

    @TempDir
    Path tmp;

    private final Configuration conf = new Configuration();

    private static org.apache.hadoop.fs.Path hadoop(Path p) {
        return new org.apache.hadoop.fs.Path(p.toUri());
    }

    private static void assertHolds(Map<String, float[]> expected, GemmaWeights weights) {
        assertEquals(expected.keySet(), weights.tensors().keySet());
        expected.forEach((name, values) -> assertArrayEquals(values, weights.get(name).dup().data().asFloat(), name));
    }

    @Test
    void importsBf16AndF32InOneFileOrShards() throws IOException {
        Map<String, float[]> values = tinyValues(3);
        for (String dtype : List.of("BF16", "F32")) {
            for (int shards : List.of(1, 3)) {
                Path dir = writeHfDirectory(tmp.resolve(dtype + "-" + shards), dtype, shards, values);
                GemmaWeights weights = HfCheckpoint.load(hadoop(dir), conf);
                GemmaConfig config = weights.config();
                assertEquals(64, config.vocabSize());
                assertEquals(1, config.numKeyValueHeads());
                assertEquals(128, config.maxPositionEmbeddings());
                assertHolds(values, weights);
            }
        }
    }

    @Test
    void exportThenImportIsBitExactInF32AndShardsOnRequest() throws IOException {
        Map<String, float[]> values = tinyValues(4);
        GemmaWeights original = HfCheckpoint.load(hadoop(writeHfDirectory(tmp.resolve("src"), "F32", 1, values)), conf);
        HfConfigJson.ModelConfig config = HfCheckpoint.readConfig(hadoop(tmp.resolve("src")), conf);
        Files.writeString(tmp.resolve("tokenizer.model"), "not really a model");
        Path out = tmp.resolve("exported");
        Files.createDirectories(out);
        List<String> written = HfCheckpoint.write(hadoop(out), config, HfCheckpoint.sources(original), TensorDtype.F32,
                3000, hadoop(tmp.resolve("tokenizer.model")), conf);
        assertTrue(written.contains("model.safetensors.index.json"), written.toString());
        assertTrue(written.size() > 4, written.toString());
        assertEquals("not really a model", Files.readString(out.resolve("tokenizer.model")));
        GemmaWeights reloaded = HfCheckpoint.load(hadoop(out), conf);
        assertHolds(values, reloaded);
        assertEquals(original.config().toString(), reloaded.config().toString());
        String json = Files.readString(out.resolve("config.json"));
        assertTrue(json.contains("\"architectures\" : [ \"GemmaForCausalLM\" ]"), json);
        assertTrue(json.contains("\"hidden_activation\" : \"gelu_pytorch_tanh\""), json);
    }

    @Test
    void exportsBf16ThatReadsBackAsTheRoundedValues() throws IOException {
        Map<String, float[]> values = tinyValues(5);
        GemmaWeights original = HfCheckpoint.load(hadoop(writeHfDirectory(tmp.resolve("src"), "F32", 1, values)), conf);
        INDArray embed = original.get(GemmaWeights.EMBED_TOKENS);
        embed.putScalar(0, 0, 1.00390625f); // a bf16 tie: rounds to even (1.0)
        Path out = tmp.resolve("bf16");
        Files.createDirectories(out);
        HfCheckpoint.write(hadoop(out), original, HfCheckpoint.readConfig(hadoop(tmp.resolve("src")), conf),
                TensorDtype.BF16, null, conf);
        try (SafetensorsSet set = SafetensorsSet.open(hadoop(out), "model", conf)) {
            assertEquals(TensorDtype.BF16, set.tensors().get(GemmaWeights.EMBED_TOKENS).dtype());
        }
        GemmaWeights reloaded = HfCheckpoint.load(hadoop(out), conf);
        assertEquals(1.0f, reloaded.get(GemmaWeights.EMBED_TOKENS).getFloat(0, 0));
        values.get(GemmaWeights.EMBED_TOKENS)[0] = 1.0f;
        assertHolds(values, reloaded);
        assertTrue(Files.readString(out.resolve("config.json")).contains("\"torch_dtype\" : \"bfloat16\""));
    }

    private String importFailure(Path dir) {
        return assertThrows(CheckpointFormatException.class, () -> HfCheckpoint.load(hadoop(dir), conf)).getMessage();
    }

    @Test
    void shapesThatDisagreeWithConfigJsonAreNamed() throws IOException {
        Path dir = writeHfDirectory(tmp.resolve("wide"), "F32", 1, tinyValues(6));
        Files.writeString(dir.resolve("config.json"), CONFIG_JSON.replace("\"intermediate_size\": 32", "\"intermediate_size\": 48"));
        String message = importFailure(dir);
        assertTrue(message.contains("tensor model.layers.0.mlp.down_proj.weight has shape [16, 32] but the config needs [16, 48]"),
                message);
        assertTrue(message.contains("(shapes from config.json)"), message);
    }

    @Test
    void missingTensorsAndShardsAreNamed() throws IOException {
        Map<String, float[]> values = tinyValues(7);
        values.remove("model.layers.1.self_attn.v_proj.weight");
        Path dir = tmp.resolve("missing");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), CONFIG_JSON);
        ReferenceSafetensors file = new ReferenceSafetensors();
        values.forEach((name, v) -> file.add(name, ReferenceSafetensors.f32(tinyShapes().get(name), v)));
        file.writeTo(dir.resolve("model.safetensors"));
        assertTrue(importFailure(dir).contains("missing tensor model.layers.1.self_attn.v_proj.weight (expected shape [8, 16])"));

        Path sharded = writeHfDirectory(tmp.resolve("sharded"), "BF16", 3, tinyValues(8));
        Files.delete(sharded.resolve("model-00002-of-00003.safetensors"));
        String message = importFailure(sharded);
        assertTrue(message.matches(".*tensor model\\.\\S+ is in shard model-00002-of-00003.safetensors, which is missing.*"),
                message);

        Path noWeights = tmp.resolve("empty");
        Files.createDirectories(noWeights);
        Files.writeString(noWeights.resolve("config.json"), CONFIG_JSON);
        assertTrue(importFailure(noWeights).contains("neither model.safetensors nor model.safetensors.index.json"));
    }

    @Test
    void configJsonErrorsNameTheKey() throws IOException {
        Path dir = writeHfDirectory(tmp.resolve("cfg"), "F32", 1, tinyValues(9));
        Files.writeString(dir.resolve("config.json"), CONFIG_JSON.replace("\"model_type\": \"gemma\"", "\"model_type\": \"gemma2\""));
        assertTrue(importFailure(dir).contains("model_type is \"gemma2\""));
        Files.writeString(dir.resolve("config.json"), CONFIG_JSON.replace("\"hidden_size\": 16,", ""));
        assertTrue(importFailure(dir).endsWith("config.json: missing key hidden_size"));
        Files.writeString(dir.resolve("config.json"), CONFIG_JSON.replace("\"num_key_value_heads\": 1", "\"num_key_value_heads\": 3"));
        assertTrue(importFailure(dir).contains("must be a multiple of num_key_value_heads (3)"));
        Files.write(dir.resolve("config.json"), "{ not json".getBytes(StandardCharsets.UTF_8));
        assertTrue(importFailure(dir).contains("config.json: not valid JSON"));
    }

    @Test
    void readsIntoTheCallersArraysAndRejectsADifferentShape() throws IOException {
        Map<String, float[]> values = tinyValues(10);
        Path dir = writeHfDirectory(tmp.resolve("into"), "BF16", 1, values);
        GemmaConfig config = HfCheckpoint.readConfig(hadoop(dir), conf).model();
        GemmaWeights target = GemmaWeights.allocate(config);
        HfCheckpoint.readInto(hadoop(dir), target, conf, null);
        assertHolds(values, target);
        GemmaConfig otherHeads = new GemmaConfig("x", 64, 16, 2, 4, 1, 4, 32, 128, 10000, 1e-6);
        String message = assertThrows(CheckpointFormatException.class,
                () -> HfCheckpoint.readInto(hadoop(dir), GemmaWeights.allocate(otherHeads), conf, null)).getMessage();
        assertTrue(message.contains("config.json describes 2 layers, hidden 16, 2 heads (1 kv) x 8"), message);
    }
}
