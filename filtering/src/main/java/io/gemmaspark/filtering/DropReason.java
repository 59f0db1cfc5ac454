package io.gemmaspark.filtering;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Why a document was dropped: the filter that dropped it and the check it failed. Its {@link #name()},
 * {@code filter:check} such as {@code gopher_quality:word_count}, is what reports, manifests and rejected/ rows
 * show, so existing names must never change.
 *
 * <p>Each filter declares its checks once, as an enum whose constants are the checks' names in upper case; the
 * pipeline's zero-filled list of reasons is built from those enums, never from a second hand-kept list.
 */
public record DropReason(String filter, String check) implements Serializable {
    /** The reason for the check named by an enum constant: {@code TOO_SHORT} is {@code too_short}. */
    public static DropReason of(String filter, Enum<?> check) {
        return new DropReason(filter, check.name().toLowerCase(Locale.ROOT));
    }

    /** One reason per constant, in declaration order. */
    public static List<DropReason> allOf(String filter, Enum<?>[] checks) {
        return Arrays.stream(checks).map(check -> of(filter, check)).toList();
    }

    /** {@code filter:check}, as users read it. */
    public String name() {
        return filter + ":" + check;
    }

    @Override
    public String toString() {
        return name();
    }
}
