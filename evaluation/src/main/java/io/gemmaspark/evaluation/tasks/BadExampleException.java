package io.gemmaspark.evaluation.tasks;

/** A task file record that does not fit the task's format; names the field so the message can point at it. */
public final class BadExampleException extends RuntimeException {
    private final String field;

    public BadExampleException(String field, String message) {
        super(message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
