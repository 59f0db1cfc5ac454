package io.gemmaspark.training.reward;

import java.io.Serializable;

/**
 * One preference pair as token ids: the chosen and the rejected conversation (each rendered by the chat template,
 * ending with the model turn's {@code <end_of_turn>\n}) and the margin the chosen one must win by. A plain class:
 * Kryo cannot serialise records on Java 17.
 */
public final class PreferencePair implements Serializable {
    private static final long serialVersionUID = 1L;
    public final String where;
    public final int[] chosen;
    public final int[] rejected;
    public final double margin;

    public PreferencePair(String where, int[] chosen, int[] rejected, double margin) {
        this.where = where;
        this.chosen = chosen;
        this.rejected = rejected;
        this.margin = margin;
    }
}
