package io.gemmaspark.serve;

import io.gemmaspark.model.chat.ChatFormatException;
import io.gemmaspark.model.chat.ChatTemplate;
import java.util.List;

/**
 * Chat messages as prompt text, through the one Gemma chat template that {@code generate --chat} and SFT use
 * ({@link ChatTemplate}): roles alternate from user, a leading system message is folded into the first user turn,
 * and the text ends with {@code <start_of_turn>model\n}. The {@code <bos>} id is added with the prompt's ids.
 */
public final class ChatPrompt {
    private static final String BOS_TEXT = "<bos>";

    private ChatPrompt() {
    }

    /** Messages already checked for shape by {@link ChatMessages#parse}; a wrong role order is a 400. */
    public static String render(List<ChatMessage> messages) {
        List<io.gemmaspark.model.chat.ChatMessage> turns = messages.stream()
                .map(m -> new io.gemmaspark.model.chat.ChatMessage(m.role(), m.content())).toList();
        try {
            return ChatTemplate.render(turns, true).substring(BOS_TEXT.length());
        } catch (ChatFormatException e) {
            throw ApiException.invalid("messages", e.getMessage());
        }
    }
}
