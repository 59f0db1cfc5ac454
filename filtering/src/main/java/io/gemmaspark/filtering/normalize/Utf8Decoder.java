package io.gemmaspark.filtering.normalize;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Decodes raw bytes (a file, or one line of a JSONL file) as UTF-8 under an {@link InvalidUtf8Policy}, counting
 * every malformed sequence. Readers that see raw bytes use this so that the policy is applied where the bytes
 * are decoded; text already decoded elsewhere is checked for U+FFFD by {@link TextNormalizer}.
 */
public final class Utf8Decoder {
    private Utf8Decoder() {
    }

    /**
     * @param text         the decoded text, or null when the policy dropped it
     * @param invalidCount malformed sequences met (each became one U+FFFD under REPLACE)
     */
    public record Decoded(String text, int invalidCount) {
        public boolean dropped() {
            return text == null;
        }
    }

    public static Decoded decode(byte[] bytes, InvalidUtf8Policy policy, String location) {
        return decode(bytes, 0, bytes.length, policy, location);
    }

    /** @param location file or file:line for the error under FAIL; may be null */
    public static Decoded decode(byte[] bytes, int offset, int length, InvalidUtf8Policy policy, String location) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, offset, length);
        // UTF-8 never yields more UTF-16 units than bytes, and a malformed sequence of k>=1 bytes yields one.
        CharBuffer out = CharBuffer.allocate(length);
        int invalid = 0;
        while (true) {
            CoderResult result = decoder.decode(in, out, true);
            if (result.isUnderflow()) {
                decoder.flush(out);
                break;
            }
            if (result.isError()) {
                if (policy == InvalidUtf8Policy.FAIL) {
                    throw new InvalidUtf8Exception((location == null ? "" : location + ": ")
                            + "invalid UTF-8 at byte " + (in.position() - offset)
                            + " (invalid_utf8 policy is fail)");
                }
                invalid++;
                in.position(in.position() + result.length());
                out.put('\uFFFD');
            } else {
                throw new IllegalStateException("unexpected decoder state " + result);
            }
        }
        if (invalid > 0 && policy == InvalidUtf8Policy.DROP) {
            return new Decoded(null, invalid);
        }
        out.flip();
        return new Decoded(out.toString(), invalid);
    }
}
