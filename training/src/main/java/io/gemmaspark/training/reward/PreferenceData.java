package io.gemmaspark.training.reward;

import com.fasterxml.jackson.databind.JsonNode;
import io.gemmaspark.model.chat.ChatFormatException;
import io.gemmaspark.model.chat.ChatMessage;
import io.gemmaspark.model.chat.ChatTemplate;
import io.gemmaspark.training.sft.DataManifest;
import io.gemmaspark.training.sft.JsonlLines;
import io.gemmaspark.training.sft.SftRecords;
import io.gemmaspark.util.Json;
import io.gemmaspark.util.UserError;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * Preference pairs from JSONL: {@code {"prompt":…,"chosen":…,"rejected":…}} with an optional numeric
 * {@code margin}, or conversation pairs in the SFT shape, {@code {"chosen":[messages…],"rejected":[messages…]}}.
 * Bad records are named by {@code file:line} and counted by reason, as for SFT; a pair longer than
 * {@code seq_len} tokens on either side is dropped ({@code too_long}): the reward is read at the last token,
 * which truncation would remove.
 */
public record PreferenceData(List<PreferencePair> pairs, DataManifest manifest) {

    public static PreferenceData read(String pathOrGlob, Configuration conf, ChatTemplate template, int maxTokens,
            boolean strict) {
        List<PreferencePair> pairs = new ArrayList<>();
        DataManifest manifest = DataManifest.empty();
        for (JsonlLines.Line line : JsonlLines.read(pathOrGlob, conf)) {
            try {
                JsonNode node = parse(line.text());
                int[] chosen = template.encodeForTraining(side(node, "chosen")).ids();
                int[] rejected = template.encodeForTraining(side(node, "rejected")).ids();
                if (Math.max(chosen.length, rejected.length) > maxTokens) {
                    throw new ChatFormatException("too_long", Math.max(chosen.length, rejected.length)
                            + " tokens, more than seq_len = " + maxTokens + " (dropped, not truncated)");
                }
                JsonNode margin = node.get("margin");
                if (margin != null && !margin.isNumber()) {
                    throw new ChatFormatException("missing_fields", "\"margin\" is not a number");
                }
                pairs.add(new PreferencePair(line.where(), chosen, rejected, margin == null ? 0 : margin.asDouble()));
                manifest = manifest.keep();
            } catch (ChatFormatException e) {
                if (strict) {
                    throw new UserError(line.where() + ": " + e.reason() + ": " + e.getMessage()
                            + " (--strict: bad records fail the job)");
                }
                manifest = manifest.drop(line.where(), e.reason(), e.getMessage());
            }
        }
        if (pairs.isEmpty()) {
            throw new UserError(pathOrGlob + ": no usable preference pairs (" + manifest.describe() + ")");
        }
        return new PreferenceData(pairs, manifest);
    }

    private static JsonNode parse(String line) {
        try {
            JsonNode node = Json.MAPPER.readTree(line);
            if (node != null && node.isObject()) {
                return node;
            }
        } catch (Exception e) {
            // reported below
        }
        throw new ChatFormatException("malformed_json", "not a JSON object");
    }

    /** One side of the pair as a conversation ending with the model turn being judged. */
    private static List<ChatMessage> side(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new ChatFormatException("missing_fields", "no \"" + field + "\" field");
        }
        if (value.isArray()) {
            return SftRecords.parse(Json.MAPPER.createObjectNode().set("messages", value).toString());
        }
        if (!value.isTextual()) {
            throw new ChatFormatException("missing_fields", "\"" + field + "\" is neither a string nor a message list");
        }
        JsonNode prompt = node.get("prompt");
        if (prompt == null || !prompt.isTextual()) {
            throw new ChatFormatException("missing_fields", "no string \"prompt\" for the \"" + field + "\" reply");
        }
        return List.of(ChatMessage.user(prompt.asText()), ChatMessage.model(value.asText()));
    }
}
