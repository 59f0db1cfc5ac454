package io.gemmaspark.training.rlhf;

import java.io.Serializable;

/**
 * One RLHF prompt, rendered by the chat template up to {@code <start_of_turn>model\n} (a plain class: it travels
 * to executors, and Kryo cannot serialise records on Java 17).
 */
public final class RlhfPrompt implements Serializable {
    private static final long serialVersionUID = 1L;
    /**
     * Its position in the prompt set: with the round and the sample number it seeds the prompt's samples, so a
     * sample does not depend on which executor drew it.
     */
    public final int id;
    public final int[] tokens;

    public RlhfPrompt(int id, int[] tokens) {
        this.id = id;
        this.tokens = tokens;
    }
}
