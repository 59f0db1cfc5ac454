package io.gemmaspark.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.UUID;

/**
 * The JSON bodies of OpenAI's completion responses: whole ({@code chat.completion}, {@code text_completion}) and
 * streamed chunks, all of one request sharing its {@code id} and {@code created}.
 */
final class CompletionResponses {
    static final ObjectMapper JSON = new ObjectMapper();

    private final boolean chat;
    private final String id;
    private final long created;
    private final String model;

    CompletionResponses(boolean chat, String model) {
        this.chat = chat;
        this.id = (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
        this.created = System.currentTimeMillis() / 1000;
        this.model = model;
    }

    private ObjectNode envelope(boolean chunk) {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", id);
        root.put("object", chat ? (chunk ? "chat.completion.chunk" : "chat.completion") : "text_completion");
        root.put("created", created);
        root.put("model", model);
        return root;
    }

    /** The non-streamed response: one choice per text, with usage. */
    ObjectNode whole(String[] texts, String[] finishReasons, int promptTokens, int completionTokens) {
        ObjectNode root = envelope(false);
        var choices = root.putArray("choices");
        for (int i = 0; i < texts.length; i++) {
            ObjectNode choice = choices.addObject();
            choice.put("index", i);
            if (chat) {
                ObjectNode message = choice.putObject("message");
                message.put("role", "assistant");
                message.put("content", texts[i]);
            } else {
                choice.put("text", texts[i]);
            }
            choice.putNull("logprobs");
            choice.put("finish_reason", finishReasons[i]);
        }
        root.set("usage", usage(promptTokens, completionTokens));
        return root;
    }

    /** The first chunk of a streamed chat choice: the assistant role and no text yet. */
    ObjectNode roleChunk(int index) {
        ObjectNode root = envelope(true);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", index);
        ObjectNode delta = choice.putObject("delta");
        delta.put("role", "assistant");
        delta.put("content", "");
        choice.putNull("logprobs");
        choice.putNull("finish_reason");
        return root;
    }

    /** A streamed piece of text; {@code finishReason} is null except on a choice's last chunk. */
    ObjectNode chunk(int index, String text, String finishReason) {
        ObjectNode root = envelope(true);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", index);
        if (chat) {
            ObjectNode delta = choice.putObject("delta");
            if (text != null && !text.isEmpty()) {
                delta.put("content", text);
            }
        } else {
            choice.put("text", text == null ? "" : text);
        }
        choice.putNull("logprobs");
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return root;
    }

    /** The streamed usage chunk ({@code stream_options.include_usage}): no choices. */
    ObjectNode usageChunk(int promptTokens, int completionTokens) {
        ObjectNode root = envelope(true);
        root.putArray("choices");
        root.set("usage", usage(promptTokens, completionTokens));
        return root;
    }

    private static ObjectNode usage(int promptTokens, int completionTokens) {
        ObjectNode usage = JSON.createObjectNode();
        usage.put("prompt_tokens", promptTokens);
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", promptTokens + completionTokens);
        return usage;
    }
}
