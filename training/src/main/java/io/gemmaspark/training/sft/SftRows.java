package io.gemmaspark.training.sft;

import io.gemmaspark.model.chat.ChatTokens;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Lays conversations out in rows of {@code seq_len + 1} tokens. Without packing each conversation gets a row of
 * its own; with packing, conversations are placed greedily in order while they fit, each its own segment, so no
 * row is more padding than it must be. Padding is {@code <pad>} with weight 0 and segment 0.
 */
public final class SftRows {
    private SftRows() {
    }

    public static List<SftRow> layout(List<ChatTokens> conversations, int seqLen, int padId, boolean pack) {
        List<SftRow> rows = new ArrayList<>();
        List<ChatTokens> pending = new ArrayList<>();
        int used = 0;
        for (ChatTokens c : conversations) {
            if (c.length() > seqLen + 1) {
                throw new IllegalArgumentException("a conversation of " + c.length() + " tokens does not fit a row of "
                        + (seqLen + 1));
            }
            if (!pending.isEmpty() && (!pack || used + c.length() > seqLen + 1)) {
                rows.add(row(pending, seqLen, padId));
                pending.clear();
                used = 0;
            }
            pending.add(c);
            used += c.length();
        }
        if (!pending.isEmpty()) {
            rows.add(row(pending, seqLen, padId));
        }
        return rows;
    }

    static SftRow row(List<ChatTokens> conversations, int seqLen, int padId) {
        int[] tokens = new int[seqLen + 1];
        int[] tokenSegment = new int[seqLen + 1];
        boolean[] trained = new boolean[seqLen + 1];
        Arrays.fill(tokens, padId);
        int at = 0;
        int segment = 0;
        for (ChatTokens c : conversations) {
            segment++;
            System.arraycopy(c.ids(), 0, tokens, at, c.length());
            System.arraycopy(c.trained(), 0, trained, at, c.length());
            Arrays.fill(tokenSegment, at, at + c.length(), segment);
            at += c.length();
        }
        float[] weights = new float[seqLen];
        int[] segments = Arrays.copyOf(tokenSegment, seqLen);
        for (int t = 0; t < seqLen; t++) {
            // The label of position t is token t+1; it is learned only inside the same conversation.
            boolean sameConversation = tokenSegment[t] != 0 && tokenSegment[t] == tokenSegment[t + 1];
            weights[t] = trained[t + 1] && sameConversation ? 1f : 0f;
        }
        return new SftRow(tokens, weights, segments);
    }
}
