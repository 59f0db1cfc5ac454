package io.gemmaspark.evaluation.lm;

import io.gemmaspark.model.TextCodec;
import java.util.Arrays;

/**
 * Text pairs to token requests exactly as lm-evaluation-harness's {@code HFLM._encode_pair} does for Gemma:
 * trailing spaces of the context move to the front of the continuation; {@code whole = [bos] + enc(context +
 * continuation)}, {@code ctx = [bos] + enc(context)}, and the continuation is {@code whole[len(ctx):]}. Encoding
 * the whole string (not the two halves) keeps the tokens a merge across the boundary would produce.
 */
public final class ContinuationEncoder {
    private final TextCodec codec;
    private final int bosId;

    public ContinuationEncoder(TextCodec codec, int bosId) {
        this.codec = codec;
        this.bosId = bosId;
    }

    public TokenRequest encode(String context, String continuation) {
        int spaces = context.length() - context.stripTrailing().length();
        // lm-eval strips trailing whitespace with Python's rstrip(); stripTrailing() uses the same notion of space.
        if (spaces > 0) {
            continuation = context.substring(context.length() - spaces) + continuation;
            context = context.substring(0, context.length() - spaces);
        }
        int[] whole = withBos(codec.encode(context + continuation));
        int[] ctx = withBos(codec.encode(context));
        int[] cont = Arrays.copyOfRange(whole, Math.min(ctx.length, whole.length), whole.length);
        if (cont.length == 0) {
            throw new IllegalArgumentException("the continuation " + quote(continuation) + " has no tokens of its own"
                    + " after " + quote(context));
        }
        return new TokenRequest(ctx, cont);
    }

    /** {@code [bos] + enc(text)}: the prompt of a generation request. */
    public int[] encodePrompt(String text) {
        return withBos(codec.encode(text));
    }

    private int[] withBos(int[] ids) {
        int[] out = new int[ids.length + 1];
        out[0] = bosId;
        System.arraycopy(ids, 0, out, 1, ids.length);
        return out;
    }

    private static String quote(String s) {
        return "\"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
    }
}
