package io.gemmaspark.filtering;

import io.gemmaspark.filtering.text.ParsedText;
import java.io.Serializable;
import java.util.List;

/**
 * One named step of the {@link FilterPipeline}. Implementations are immutable after construction (all patterns
 * and word lists built up front), so one instance may serve every thread of an executor.
 */
public interface DocumentFilter extends Serializable {
    /** Prefix of every drop reason and signal this filter produces, e.g. {@code gopher_quality}. */
    String name();

    /**
     * Judges the text, recording measurements in {@code signals}. Returns {@link FilterDecision#keep} with the
     * same text when nothing changes (the pipeline then reuses the parse), or rewritten text.
     */
    FilterDecision apply(ParsedText text, Signals signals);

    /**
     * Every reason this filter can drop a document for, so that zero counts can be reported. Implementations
     * derive it from the one declaration of their checks (an enum, see {@link DropReason}).
     */
    List<DropReason> dropReasons();

    /** Names of the measurements this filter records (as "name.measure" in {@link Signals#measures()}). */
    default List<String> measures() {
        return List.of();
    }
}
