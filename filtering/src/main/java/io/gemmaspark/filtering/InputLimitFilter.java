package io.gemmaspark.filtering;

import java.io.Serializable;
import io.gemmaspark.config.Range;
import io.gemmaspark.filtering.text.ParsedText;
import java.util.List;

/**
 * Rejects documents that are empty (nothing but whitespace) or beyond the configured size before any other work
 * is spent on them; an oversize record is usually a broken input (a whole dump in one JSON field).
 */
public final class InputLimitFilter extends DeclaredChecksFilter {
    public static final String NAME = "input";

    public record Config(@Range(min = 0) int minChars, @Range(min = 1) int maxChars) implements Serializable {
        public Config {
            if (minChars > maxChars) {
                throw new IllegalArgumentException("min_chars (" + minChars + ") exceeds max_chars (" + maxChars + ")");
            }
        }
    }

    /** Why input limits drop a document. */
    public enum Check {
        EMPTY, TOO_SHORT, TOO_LONG;

        public final DropReason reason = DropReason.of(NAME, this);
    }

    private final Config config;

    public InputLimitFilter(Config config) {
        super(NAME, Check.values());
        this.config = config;
    }

    @Override
    public FilterDecision apply(ParsedText parsed, Signals signals) {
        String text = parsed.text();
        if (text.isBlank()) {
            return FilterDecision.drop(Check.EMPTY.reason);
        }
        if (text.length() > config.maxChars()) {
            return FilterDecision.drop(Check.TOO_LONG.reason);
        }
        if (text.strip().length() < config.minChars()) {
            return FilterDecision.drop(Check.TOO_SHORT.reason);
        }
        return FilterDecision.keep(text);
    }
}
