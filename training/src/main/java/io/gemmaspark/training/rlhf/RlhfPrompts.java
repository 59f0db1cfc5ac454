package io.gemmaspark.training.rlhf;

import com.fasterxml.jackson.databind.JsonNode;
import io.gemmaspark.model.chat.ChatFormatException;
import io.gemmaspark.model.chat.ChatMessage;
import io.gemmaspark.model.chat.ChatTemplate;
import io.gemmaspark.training.sft.DataManifest;
import io.gemmaspark.training.sft.JsonlRecords;
import io.gemmaspark.training.sft.SftRecords;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * RLHF prompts from JSONL: {@code {"prompt":…}}, or an SFT-shaped {@code {"messages":[…]}} record whose turns up
 * to its last user turn are the prompt (a final model turn, a reference answer, is left out). Bad records follow the
 * SFT policy ({@link JsonlRecords}): named, counted by reason, skipped, or fatal under {@code strict}. A prompt that
 * leaves fewer than {@code max_completion_tokens} positions of {@code seq_len + 1} for its reply is dropped
 * ({@code too_long}): its samples could not be trained on whole.
 *
 * @param prompts  the prompts, each numbered by its position in the set (the number seeds its samples)
 * @param manifest what was read, kept and dropped
 */
public record RlhfPrompts(List<RlhfPrompt> prompts, DataManifest manifest) {

    public static RlhfPrompts read(String pathOrGlob, Configuration conf, ChatTemplate template, int seqLen,
            int maxCompletionTokens, boolean strict) {
        int room = seqLen + 1 - maxCompletionTokens;
        JsonlRecords<int[]> read = JsonlRecords.read(pathOrGlob, conf, strict, "prompts", line -> {
            int[] tokens = template.encodePrompt(conversation(line.text()));
            if (tokens.length > room) {
                throw new ChatFormatException("too_long", tokens.length + " prompt tokens, more than seq_len + 1 - "
                        + "max_completion_tokens = " + room + " (dropped, not truncated)");
            }
            return tokens;
        });
        List<RlhfPrompt> prompts = new ArrayList<>();
        for (int[] tokens : read.records()) {
            prompts.add(new RlhfPrompt(prompts.size(), tokens));
        }
        return new RlhfPrompts(prompts, read.manifest());
    }

    private static List<ChatMessage> conversation(String line) {
        JsonNode node = SftRecords.json(line);
        if (!node.has("messages")) {
            JsonNode prompt = node.get("prompt");
            if (prompt == null || !prompt.isTextual()) {
                throw new ChatFormatException("missing_fields", "no string \"prompt\" and no \"messages\"");
            }
            return ChatTemplate.normalize(List.of(ChatMessage.user(prompt.asText())));
        }
        List<ChatMessage> messages = new ArrayList<>(ChatTemplate.normalize(SftRecords.parse(line)));
        if (messages.get(messages.size() - 1).role().equals(ChatTemplate.MODEL)) {
            messages.remove(messages.size() - 1);
        }
        return messages;
    }
}
