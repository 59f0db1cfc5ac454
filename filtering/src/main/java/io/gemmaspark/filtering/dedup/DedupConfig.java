package io.gemmaspark.filtering.dedup;

import java.io.Serializable;

/** The {@code dedup:} section: exact and near-duplicate removal, run by the prepare job after filtering. */
public record DedupConfig(Exact exact, MinHasher.Config nearDuplicates) implements Serializable {

    /** Exact duplicates share {@link ExactHash#of} of their normalised text; one per hash is kept. */
    public record Exact(boolean enabled) implements Serializable {
    }
}
