package io.gemmaspark.evaluation.metrics;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GSM8K's answer filters and exact match, as in lm-eval's gsm8k task: {@code strict-match} takes the first
 * {@code #### number}; {@code flexible-extract} takes the last number-like match anywhere; both compare after
 * removing {@code ,}, {@code $}, everything up to {@code #### } and a trailing {@code .}, ignoring case.
 */
public final class AnswerExtraction {
    public static final String INVALID = "[invalid]";
    public static final String STRICT = "strict-match";
    public static final String FLEXIBLE = "flexible-extract";
    public static final List<String> FILTERS = List.of(STRICT, FLEXIBLE);

    private static final Pattern STRICT_PATTERN = Pattern.compile("#### (\\-?[0-9\\.\\,]+)");
    private static final Pattern FLEXIBLE_PATTERN = Pattern.compile("(-?[$0-9.,]{2,})|(-?[0-9]+)");
    private static final List<Pattern> IGNORED = List.of(Pattern.compile(","), Pattern.compile("\\$"),
            Pattern.compile("(?s).*#### "), Pattern.compile("\\.$"));

    private AnswerExtraction() {
    }

    public static String extract(String filter, String generation) {
        return switch (filter) {
            case STRICT -> strict(generation);
            case FLEXIBLE -> flexible(generation);
            default -> throw new IllegalArgumentException("unknown filter " + filter);
        };
    }

    /** The first match's group ({@code take_first}), or {@value #INVALID}. */
    public static String strict(String generation) {
        Matcher m = STRICT_PATTERN.matcher(generation);
        return m.find() ? m.group(1) : INVALID;
    }

    /** The last match ({@code group_select: -1}); of its groups, the first that matched, as lm-eval picks it. */
    public static String flexible(String generation) {
        Matcher m = FLEXIBLE_PATTERN.matcher(generation);
        String last = INVALID;
        while (m.find()) {
            last = m.group(1) != null ? m.group(1) : m.group(2);
        }
        return last;
    }

    public static boolean exactMatch(String prediction, String reference) {
        return normalize(prediction).equals(normalize(reference));
    }

    static String normalize(String s) {
        for (Pattern p : IGNORED) {
            s = p.matcher(s).replaceAll("");
        }
        return s.toLowerCase(Locale.ROOT);
    }
}
