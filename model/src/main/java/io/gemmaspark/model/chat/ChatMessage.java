package io.gemmaspark.model.chat;

/** One turn of a conversation as it arrives: a role ({@code user}, {@code model}, {@code assistant}, {@code system}) and its text. */
public record ChatMessage(String role, String content) implements java.io.Serializable {

    public static ChatMessage user(String content) {
        return new ChatMessage(ChatTemplate.USER, content);
    }

    public static ChatMessage model(String content) {
        return new ChatMessage(ChatTemplate.MODEL, content);
    }
}
