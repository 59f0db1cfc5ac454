package io.gemmaspark.training.reward;

import com.fasterxml.jackson.databind.JsonNode;
import io.gemmaspark.model.chat.ChatFormatException;
import io.gemmaspark.model.chat.ChatMessage;
import io.gemmaspark.model.chat.ChatTemplate;
import io.gemmaspark.training.sft.DataManifest;
import io.gemmaspark.training.sft.JsonlRecords;
import io.gemmaspark.training.sft.SftRecords;
import io.gemmaspark.util.Json;
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
        JsonlRecords<PreferencePair> read = JsonlRecords.read(pathOrGlob, conf, strict, "preference pairs", line -> {
            JsonNode node = SftRecords.json(line.text());
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
            return new PreferencePair(line.where(), chosen, rejected, margin == null ? 0 : margin.asDouble());
        });
        return new PreferenceData(read.records(), read.manifest());
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
