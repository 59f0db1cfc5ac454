package io.gemmaspark.util;

/**
 * A failure caused by the user's input (a missing path, a corrupt file, a bad option). The CLI prints the
 * message as one line without a stack trace, so it must name the file, line or field at fault.
 */
public class UserError extends RuntimeException {
    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
