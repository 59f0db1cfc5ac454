package io.gemmaspark.serve;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** The {@code messages} array of a chat request, checked; shared by the server and {@code generate-batch}. */
public final class ChatMessages {
    private ChatMessages() {
    }

    /** Optional system message first, then user and assistant turns alternating, starting and ending with user. */
    public static List<ChatMessage> parse(JsonNode array) {
        if (array == null || array.isNull()) {
            throw ApiException.invalid("messages", "'messages' is required");
        }
        if (!array.isArray()) {
            throw ApiException.wrongType("messages", "an array of messages");
        }
        if (array.isEmpty()) {
            throw ApiException.invalid("messages", "'messages' must contain at least one message");
        }
        List<ChatMessage> messages = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            JsonNode m = array.get(i);
            String where = "messages[" + i + "]";
            if (!m.isObject()) {
                throw ApiException.wrongType(where, "an object with 'role' and 'content'");
            }
            JsonNode role = m.get("role");
            if (role == null || !role.isTextual()) {
                throw ApiException.wrongType(where + ".role", "a string");
            }
            String r = role.asText().equals("developer") ? "system" : role.asText();
            if (!List.of("system", "user", "assistant").contains(r)) {
                throw ApiException.invalid(where + ".role", "unsupported role '" + role.asText()
                        + "' (use system, user or assistant)");
            }
            messages.add(new ChatMessage(r, content(m.get("content"), where + ".content")));
        }
        String expected = "user";
        for (int i = 0; i < messages.size(); i++) {
            String role = messages.get(i).role();
            if (i == 0 && role.equals("system")) {
                continue;
            }
            if (!role.equals(expected)) {
                throw ApiException.invalid("messages", "bad role order at messages[" + i + "]: expected '" + expected
                        + "', got '" + role + "' (an optional system message, then user and assistant alternating)");
            }
            expected = expected.equals("user") ? "assistant" : "user";
        }
        if (!messages.get(messages.size() - 1).role().equals("user")) {
            throw ApiException.invalid("messages", "the last message must be from the user");
        }
        return messages;
    }

    /** A string, or an array of {@code {"type":"text","text":...}} parts joined. */
    private static String content(JsonNode content, String where) {
        if (content != null && content.isTextual()) {
            return content.asText();
        }
        if (content != null && content.isArray()) {
            StringBuilder text = new StringBuilder();
            for (JsonNode part : content) {
                if (!part.isObject() || !"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw ApiException.invalid(where, "only text content parts are supported");
                }
                text.append(part.get("text").asText());
            }
            return text.toString();
        }
        throw ApiException.wrongType(where, "a string");
    }
}
