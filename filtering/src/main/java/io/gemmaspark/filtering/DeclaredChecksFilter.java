package io.gemmaspark.filtering;

import java.util.List;

/**
 * A filter whose checks are the constants of one enum: its name and its zero-filled drop reasons come from that
 * single declaration.
 */
public abstract class DeclaredChecksFilter implements DocumentFilter {
    private static final long serialVersionUID = 1L;
    private final String name;
    private final List<DropReason> declaredReasons;

    protected DeclaredChecksFilter(String name, Enum<?>[] checks) {
        this.name = name;
        this.declaredReasons = List.copyOf(DropReason.allOf(name, checks));
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public List<DropReason> dropReasons() {
        return declaredReasons;
    }
}
