package io.gemmaspark.filtering.dedup;

import io.gemmaspark.util.Sha256;

/**
 * The exact-duplicate key of a normalised text: the first 128 bits of its SHA-256, as 32 hex digits. At 128 bits
 * the chance of any collision among 10^12 documents is below 10^-14, and the key is half the shuffle size of the
 * full digest.
 */
public final class ExactHash {
    private static final int KEY_HEX_DIGITS = 32;

    private ExactHash() {
    }

    public static String of(String normalizedText) {
        return Sha256.hex(normalizedText).substring(0, KEY_HEX_DIGITS);
    }
}
