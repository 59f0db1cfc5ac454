package io.gemmaspark.filtering;

import java.io.Serializable;

/**
 * What one filter decided about one document: keep it (possibly with rewritten text, e.g. after redaction or
 * line removal) or drop it for a {@link DropReason}.
 */
public record FilterDecision(DropReason reason, String text) implements Serializable {
    public static FilterDecision keep(String text) {
        return new FilterDecision(null, text);
    }

    public static FilterDecision drop(DropReason reason) {
        return new FilterDecision(reason, null);
    }

    public boolean kept() {
        return reason == null;
    }

    /** The reason's name ({@code filter:check}), or null when kept. */
    public String dropReason() {
        return reason == null ? null : reason.name();
    }
}
