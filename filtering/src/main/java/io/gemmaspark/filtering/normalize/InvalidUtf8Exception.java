package io.gemmaspark.filtering.normalize;

/** Raised under {@link InvalidUtf8Policy#FAIL}; the message names the byte offset (and location when known). */
public final class InvalidUtf8Exception extends RuntimeException {
    public InvalidUtf8Exception(String message) {
        super(message);
    }
}
