package io.gemmaspark.model.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gemmaspark.model.GemmaConfig;
import io.gemmaspark.util.Json;
import java.io.IOException;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Hugging Face {@code config.json} for a Gemma (v1) decoder, read into a {@link GemmaConfig} plus the special
 * token ids, and written back with the keys {@code transformers} needs to load it as {@code GemmaForCausalLM}.
 * Configs for other architectures, or Gemma variants this decoder does not implement (untied embeddings,
 * attention biases, another activation), are rejected naming the key.
 */
public final class HfConfigJson {
    public static final String FILE_NAME = "config.json";
    /** HF spells the tanh-approximated GELU several ways; Gemma v1 releases shipped plain "gelu" but meant tanh. */
    private static final Set<String> TANH_GELU = Set.of("gelu_pytorch_tanh", "gelu_tanh", "gelu_new", "gelu");

    /** The model's shape and its special token ids (Gemma's tokenizer: pad 0, eos 1, bos 2). */
    public record ModelConfig(GemmaConfig model, int bosTokenId, int eosTokenId, int padTokenId) {
        public static ModelConfig withGemmaTokens(GemmaConfig model) {
            return new ModelConfig(model, 2, 1, 0);
        }
    }

    private HfConfigJson() {
    }

    public static ModelConfig read(Path file, Configuration conf) {
        String text = CheckpointFiles.readString(file, conf);
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new CheckpointFormatException(file + ": not valid JSON (" + e.getMessage() + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointFormatException(file + ": not a JSON object");
        }
        return parse(root, file.toString(), file.getParent() == null ? "custom" : file.getParent().getName());
    }

    static ModelConfig parse(JsonNode root, String location, String name) {
        String modelType = root.path("model_type").asText("gemma");
        if (!modelType.equals("gemma")) {
            throw new CheckpointFormatException(location + ": model_type is \"" + modelType
                    + "\"; only Gemma (v1) decoders, model_type \"gemma\", are supported");
        }
        String activation = root.path("hidden_activation").asText(root.path("hidden_act").asText("gelu_pytorch_tanh"));
        if (!TANH_GELU.contains(activation)) {
            throw new CheckpointFormatException(location + ": hidden_activation \"" + activation
                    + "\" is not the tanh GELU this decoder implements");
        }
        if (!root.path("tie_word_embeddings").asBoolean(true)) {
            throw new CheckpointFormatException(location + ": tie_word_embeddings is false; Gemma ties them");
        }
        if (root.path("attention_bias").asBoolean(false)) {
            throw new CheckpointFormatException(location + ": attention_bias is true; Gemma has no biases");
        }
        int hidden = requiredInt(root, "hidden_size", location);
        int heads = requiredInt(root, "num_attention_heads", location);
        int headDim = root.has("head_dim") ? requiredInt(root, "head_dim", location) : hidden / heads;
        String modelName = root.path("_name_or_path").asText("");
        try {
            GemmaConfig model = new GemmaConfig(
                    modelName.isEmpty() ? name : modelName,
                    requiredInt(root, "vocab_size", location),
                    hidden,
                    requiredInt(root, "num_hidden_layers", location),
                    heads,
                    root.has("num_key_value_heads") ? requiredInt(root, "num_key_value_heads", location) : heads,
                    headDim,
                    requiredInt(root, "intermediate_size", location),
                    root.has("max_position_embeddings") ? requiredInt(root, "max_position_embeddings", location) : 8192,
                    root.has("rope_theta") ? requiredNumber(root, "rope_theta", location) : 10000.0,
                    root.has("rms_norm_eps") ? requiredNumber(root, "rms_norm_eps", location) : 1e-6);
            return new ModelConfig(model,
                    optionalTokenId(root, "bos_token_id", 2, location),
                    optionalTokenId(root, "eos_token_id", 1, location),
                    optionalTokenId(root, "pad_token_id", 0, location));
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(location + ": " + e.getMessage(), e);
        }
    }

    private static int requiredInt(JsonNode root, String key, String location) {
        JsonNode node = root.get(key);
        if (node == null || node.isNull()) {
            throw new CheckpointFormatException(location + ": missing key " + key);
        }
        if (!node.canConvertToInt() || !node.isIntegralNumber() || node.asInt() < 1) {
            throw new CheckpointFormatException(location + ": " + key + " must be a positive integer, found " + node);
        }
        return node.asInt();
    }

    private static double requiredNumber(JsonNode root, String key, String location) {
        JsonNode node = root.get(key);
        if (!node.isNumber()) {
            throw new CheckpointFormatException(location + ": " + key + " must be a number, found " + node);
        }
        return node.asDouble();
    }

    /** eos_token_id may be a list in newer configs; the first entry is the end-of-sequence token. */
    private static int optionalTokenId(JsonNode root, String key, int fallback, String location) {
        JsonNode node = root.get(key);
        if (node == null || node.isNull()) {
            return fallback;
        }
        JsonNode id = node.isArray() && node.size() > 0 ? node.get(0) : node;
        if (!id.canConvertToInt() || !id.isIntegralNumber() || id.asInt() < 0) {
            throw new CheckpointFormatException(location + ": " + key + " must be a token id, found " + node);
        }
        return id.asInt();
    }

    public static ObjectNode toJson(ModelConfig config, TensorDtype dtype) {
        GemmaConfig m = config.model();
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("_name_or_path", m.name());
        root.putArray("architectures").add("GemmaForCausalLM");
        root.put("model_type", "gemma");
        root.put("torch_dtype", switch (dtype) {
            case F32 -> "float32";
            case BF16 -> "bfloat16";
            case F16 -> "float16";
        });
        root.put("vocab_size", m.vocabSize());
        root.put("hidden_size", m.hiddenSize());
        root.put("num_hidden_layers", m.numHiddenLayers());
        root.put("num_attention_heads", m.numAttentionHeads());
        root.put("num_key_value_heads", m.numKeyValueHeads());
        root.put("head_dim", m.headDim());
        root.put("intermediate_size", m.intermediateSize());
        root.put("max_position_embeddings", m.maxPositionEmbeddings());
        root.put("rope_theta", m.ropeTheta());
        root.put("rms_norm_eps", m.rmsNormEps());
        root.put("hidden_act", "gelu_pytorch_tanh");
        root.put("hidden_activation", "gelu_pytorch_tanh");
        root.put("attention_bias", false);
        root.put("attention_dropout", 0.0);
        root.put("tie_word_embeddings", true);
        root.put("initializer_range", 0.02);
        root.put("use_cache", true);
        root.put("bos_token_id", config.bosTokenId());
        root.put("eos_token_id", config.eosTokenId());
        root.put("pad_token_id", config.padTokenId());
        return root;
    }

    public static void write(Path file, ModelConfig config, TensorDtype dtype, Configuration conf) {
        CheckpointFiles.writeString(file, Json.pretty(toJson(config, dtype)) + "\n", conf);
    }
}
