package io.gemmaspark.filtering;

import java.io.Serializable;
import io.gemmaspark.config.Range;
import io.gemmaspark.filtering.text.ParsedText;
import java.util.List;

/**
 * Rejects documents that are empty (nothing but whitespace) or beyond the configured size before any other work
 * is spent on them; an oversize record is usually a broken input (a whole dump in one JSON field).
 */
public final class InputLimitFilter implements DocumentFilter {
    public static final String NAME = "input";

    public record Config(@Range(min = 0) int minChars, @Range(min = 1) int maxChars) implements Serializable {
        public Config {
            if (minChars > maxChars) {
                throw new IllegalArgumentException("min_chars (" + minChars + ") exceeds max_chars (" + maxChars + ")");
            }
        }
    }

    private final Config config;

    public InputLimitFilter(Config config) {
        this.config = config;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> checks() {
        return List.of("empty", "too_short", "too_long");
    }

    @Override
    public FilterDecision apply(ParsedText parsed, Signals signals) {
        String text = parsed.text();
        if (text.isBlank()) {
            return FilterDecision.drop(NAME, "empty");
        }
        if (text.length() > config.maxChars()) {
            return FilterDecision.drop(NAME, "too_long");
        }
        if (text.strip().length() < config.minChars()) {
            return FilterDecision.drop(NAME, "too_short");
        }
        return FilterDecision.keep(text);
    }
}
