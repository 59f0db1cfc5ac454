package io.gemmaspark.serve;

import io.gemmaspark.model.TextCodec;
import java.util.Arrays;
import java.util.List;

/**
 * One choice's text as its tokens arrive: hands out the new, settled text after each token and finds stop strings.
 *
 * <p>Text is held back while it could still change: while it ends in an incomplete byte-fallback character
 * (U+FFFD), and while its end could be the start of a stop string. The pieces handed out therefore concatenate to
 * exactly the final text, which never contains a stop string.
 */
final class TextStream {
    private final TextCodec codec;
    private final List<String> stops;
    private int[] tokens = new int[32];
    private int count;
    private String text = "";
    private int sent;
    private boolean stopped;

    TextStream(TextCodec codec, List<String> stops) {
        this.codec = codec;
        this.stops = stops;
    }

    /** Adds a token; returns the text that became settled (maybe empty). After a stop string, nothing more. */
    String add(int token) {
        if (stopped) {
            return "";
        }
        if (count == tokens.length) {
            tokens = Arrays.copyOf(tokens, count * 2);
        }
        tokens[count++] = token;
        text = codec.decode(Arrays.copyOf(tokens, count));
        int stopAt = firstStop();
        if (stopAt >= 0) {
            stopped = true;
            text = text.substring(0, stopAt);
            return take(Math.max(stopAt, sent));
        }
        int settled = text.length() - heldBack();
        return take(Math.max(settled, sent));
    }

    /** The rest of the text, once no more tokens come. */
    String finish() {
        return take(text.length());
    }

    /** Whether a stop string ended the text. */
    boolean stopped() {
        return stopped;
    }

    /** Tokens taken, up to and including the one that completed a stop string. */
    int tokenCount() {
        return count;
    }

    String text() {
        return text;
    }

    private String take(int upTo) {
        if (upTo <= sent) {
            return "";
        }
        String piece = text.substring(sent, upTo);
        sent = upTo;
        return piece;
    }

    private int firstStop() {
        int first = -1;
        for (String stop : stops) {
            int at = text.indexOf(stop, Math.max(0, sent - stop.length() + 1));
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
            }
        }
        return first;
    }

    /** Characters at the end that must wait: a partial character, or a prefix of a stop string. */
    private int heldBack() {
        int hold = 0;
        if (text.endsWith("\uFFFD")) {
            hold = 1;
        }
        for (String stop : stops) {
            for (int k = Math.min(stop.length() - 1, text.length()); k > hold; k--) {
                if (text.endsWith(stop.substring(0, k))) {
                    hold = k;
                    break;
                }
            }
        }
        return Math.min(hold, text.length());
    }
}
