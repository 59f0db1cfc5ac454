package io.gemmaspark.config;

/**
 * A configuration problem the user can fix: always names the file (or --set), the key and what was expected.
 * The CLI prints its message as one line, without a stack trace.
 */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
