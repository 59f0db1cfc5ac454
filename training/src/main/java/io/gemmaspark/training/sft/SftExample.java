package io.gemmaspark.training.sft;

import io.gemmaspark.model.chat.ChatMessage;
import io.gemmaspark.model.chat.ChatTokens;
import java.util.List;

/**
 * One conversation of a fine-tuning set, rendered.
 *
 * @param where        {@code file:line} it came from
 * @param conversation the normalised turns (user first, alternating, ending with a model turn)
 * @param tokens       template ids and the training mask
 */
public record SftExample(String where, List<ChatMessage> conversation, ChatTokens tokens) {

    /** Every turn before the last model reply: what generation is prompted with on held-out examples. */
    public List<ChatMessage> prompt() {
        return conversation.subList(0, conversation.size() - 1);
    }

    /** The last model reply, trimmed: the exact-match reference. */
    public String reference() {
        return conversation.get(conversation.size() - 1).content().trim();
    }
}
