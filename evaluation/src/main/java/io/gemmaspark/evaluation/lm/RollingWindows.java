package io.gemmaspark.evaluation.lm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * lm-eval's {@code get_rolling_token_windows(tokens, prefix_token=bos, max_seq_len=L, context_len=1)} followed by
 * {@code make_disjoint_window}: every token of the document is predicted exactly once.
 * <ul>
 *   <li>the first window reads {@code [bos] + tokens[:L-1]} and predicts {@code tokens[:L]};</li>
 *   <li>each later window predicts the next (up to) L tokens; its context is the tokens before them that still
 *       fit in L inputs: one token for a full window, more for a shorter last window.</li>
 * </ul>
 */
public final class RollingWindows {
    private RollingWindows() {
    }

    public static List<TokenRequest> of(int[] tokens, int bosId, int maxLength) {
        List<TokenRequest> windows = new ArrayList<>();
        if (tokens.length == 0) {
            return windows;
        }
        int first = Math.min(maxLength, tokens.length);
        int[] firstContext = new int[] {bosId};
        // [bos] + tokens[:first-1] predicting tokens[:first] == context [bos], continuation tokens[:first].
        windows.add(new TokenRequest(firstContext, Arrays.copyOfRange(tokens, 0, first)));
        int predicted = first;
        while (predicted < tokens.length) {
            int predict = Math.min(tokens.length - predicted, maxLength);
            int end = predicted + predict;
            // lm-eval's window is tokens[end-L-1 : end-1]; made disjoint it keeps only what precedes the prediction.
            int contextStart = Math.max(0, end - maxLength - 1);
            windows.add(new TokenRequest(Arrays.copyOfRange(tokens, contextStart, predicted),
                    Arrays.copyOfRange(tokens, predicted, end)));
            predicted = end;
        }
        return windows;
    }
}
