package io.gemmaspark.filtering.dedup;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The exact-duplicate key of a normalised text: the first 128 bits of its SHA-256, as 32 hex digits. At 128 bits
 * the chance of any collision among 10^12 documents is below 10^-14, and the key is half the shuffle size of the
 * full digest.
 */
public final class ExactHash {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private ExactHash() {
    }

    public static String of(String normalizedText) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
        byte[] digest = sha.digest(normalizedText.getBytes(StandardCharsets.UTF_8));
        char[] out = new char[32];
        for (int i = 0; i < 16; i++) {
            out[2 * i] = HEX[(digest[i] >> 4) & 0xF];
            out[2 * i + 1] = HEX[digest[i] & 0xF];
        }
        return new String(out);
    }
}
