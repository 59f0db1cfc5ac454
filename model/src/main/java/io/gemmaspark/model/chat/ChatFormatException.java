package io.gemmaspark.model.chat;

/**
 * A conversation the Gemma template cannot render. {@link #reason()} is a short stable key (for example
 * {@code wrong_role_order}) under which data readers count such records.
 */
public final class ChatFormatException extends IllegalArgumentException {
    private final String reason;

    public ChatFormatException(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
