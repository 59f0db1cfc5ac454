package io.gemmaspark.serve;

/** One message of a chat request: role {@code system}, {@code user} or {@code assistant}, and its text. */
public record ChatMessage(String role, String content) {
}
