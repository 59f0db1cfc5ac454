package io.gemmaspark.serve;

import java.util.List;

/**
 * The one place the server turns chat messages into prompt text: Gemma's turn format, as {@code generate --chat}
 * writes it ({@code <start_of_turn>user\n...<end_of_turn>\n<start_of_turn>model\n}), extended to several turns.
 * Gemma has no system role, so a system message is put before the first user turn's text. When the shared chat
 * template (used by {@code generate --chat} and SFT) lands, it replaces the body of {@link #render}.
 */
public final class ChatPrompt {
    private ChatPrompt() {
    }

    /** Messages already checked by {@link ChatMessages#parse}: optional system, then user/assistant turns ending with user. */
    public static String render(List<ChatMessage> messages) {
        StringBuilder prompt = new StringBuilder();
        String system = null;
        for (ChatMessage m : messages) {
            if (m.role().equals("system")) {
                system = m.content();
                continue;
            }
            String role = m.role().equals("assistant") ? "model" : "user";
            String content = system != null ? system + "\n\n" + m.content() : m.content();
            system = null;
            prompt.append("<start_of_turn>").append(role).append('\n').append(content).append("<end_of_turn>\n");
        }
        return prompt.append("<start_of_turn>model\n").toString();
    }
}
