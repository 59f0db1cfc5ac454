package io.gemmaspark.training.sft;

import java.io.Serializable;

/**
 * One training row of {@code seq_len + 1} tokens holding one or more conversations (a plain class: Kryo cannot
 * serialise records on Java 17).
 *
 * <ul>
 *   <li>{@code tokens}: the ids, padded with {@code <pad>};</li>
 *   <li>{@code weights[t]}, {@code t < seq_len}: loss weight of predicting {@code tokens[t+1]} from position
 *       {@code t}: 1 when that token is trained (model content or its {@code <end_of_turn>\n}) and belongs to the
 *       same conversation as position {@code t}, else 0;</li>
 *   <li>{@code segments[t]}, {@code t < seq_len}: which conversation position {@code t} belongs to, 1, 2, ...;
 *       0 for padding. Attention never crosses segments and RoPE positions restart at each.</li>
 * </ul>
 */
public final class SftRow implements Serializable {
    private static final long serialVersionUID = 1L;
    public final int[] tokens;
    public final float[] weights;
    public final int[] segments;

    public SftRow(int[] tokens, float[] weights, int[] segments) {
        this.tokens = tokens;
        this.weights = weights;
        this.segments = segments;
    }

    public int trainedTokens() {
        int n = 0;
        for (float w : weights) {
            n += w > 0 ? 1 : 0;
        }
        return n;
    }
}
