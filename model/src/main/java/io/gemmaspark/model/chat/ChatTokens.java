package io.gemmaspark.model.chat;

/**
 * A conversation rendered by {@link ChatTemplate} as token ids, with the training mask: {@code trained[i]} is
 * true when token {@code i} is part of a model turn's content or the {@code <end_of_turn>\n} that closes it, the
 * tokens supervised fine-tuning learns to produce. Everything else (BOS, {@code <start_of_turn>model\n}, user
 * turns) is context only.
 */
public record ChatTokens(int[] ids, boolean[] trained) {

    public int length() {
        return ids.length;
    }

    public int trainedCount() {
        int n = 0;
        for (boolean t : trained) {
            n += t ? 1 : 0;
        }
        return n;
    }
}
