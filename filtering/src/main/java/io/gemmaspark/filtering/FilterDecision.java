package io.gemmaspark.filtering;

import java.io.Serializable;

/**
 * What one filter decided about one document: keep it (possibly with rewritten text, e.g. after redaction or
 * line removal) or drop it with a reason of the form {@code filter:check}, e.g. {@code gopher_quality:word_count}.
 */
public record FilterDecision(String dropReason, String text) implements Serializable {
    public static FilterDecision keep(String text) {
        return new FilterDecision(null, text);
    }

    public static FilterDecision drop(String filterName, String check) {
        return new FilterDecision(filterName + ":" + check, null);
    }

    public boolean kept() {
        return dropReason == null;
    }
}
