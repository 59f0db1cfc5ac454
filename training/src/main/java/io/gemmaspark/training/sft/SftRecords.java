package io.gemmaspark.training.sft;

import com.fasterxml.jackson.databind.JsonNode;
import io.gemmaspark.model.chat.ChatFormatException;
import io.gemmaspark.model.chat.ChatMessage;
import io.gemmaspark.util.Json;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses one JSONL record of a fine-tuning set into a conversation. Two shapes:
 * <ul>
 *   <li>{@code {"messages":[{"role":"user","content":...},{"role":"model","content":...},...]}} ({@code assistant}
 *       is an alias of {@code model}, a leading {@code system} message is folded into the first user turn);</li>
 *   <li>{@code {"prompt":...,"completion":...}}: one user turn and one model turn.</li>
 * </ul>
 * Role order and content are checked by the template ({@code ChatTemplate.normalize}); this class checks the JSON.
 */
public final class SftRecords {
    private SftRecords() {
    }

    /** @throws ChatFormatException with reason {@code malformed_json} or {@code missing_fields} */
    public static List<ChatMessage> parse(String line) {
        JsonNode node = json(line);
        if (node.has("messages")) {
            JsonNode messages = node.get("messages");
            if (!messages.isArray()) {
                throw new ChatFormatException("missing_fields", "\"messages\" is not an array");
            }
            List<ChatMessage> conversation = new ArrayList<>();
            for (JsonNode m : messages) {
                if (!m.isObject() || !m.path("role").isTextual() || !m.path("content").isTextual()) {
                    throw new ChatFormatException("missing_fields",
                            "every message needs a string \"role\" and a string \"content\"");
                }
                conversation.add(new ChatMessage(m.get("role").asText(), m.get("content").asText()));
            }
            return conversation;
        }
        String prompt = text(node, "prompt");
        String completion = text(node, "completion");
        return List.of(ChatMessage.user(prompt), ChatMessage.model(completion));
    }

    /** @throws ChatFormatException with reason {@code malformed_json} unless the line is one JSON object */
    public static JsonNode json(String line) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(line);
        } catch (Exception e) {
            throw new ChatFormatException("malformed_json", "not a JSON object");
        }
        if (node == null || !node.isObject()) {
            throw new ChatFormatException("malformed_json", "not a JSON object");
        }
        return node;
    }

    static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new ChatFormatException("missing_fields", "no \"" + field + "\" field");
        }
        if (!value.isTextual()) {
            throw new ChatFormatException("missing_fields", "\"" + field + "\" is not a string");
        }
        return value.asText();
    }
}
