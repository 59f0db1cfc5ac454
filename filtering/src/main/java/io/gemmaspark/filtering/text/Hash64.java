package io.gemmaspark.filtering.text;

/**
 * A fast, seeded 64-bit hash of text ranges (murmur3-style block mixing of four UTF-16 units at a time plus the
 * murmur3 64-bit finaliser). Used for words, n-grams and shingles, where a 2^-64 collision rate is far below
 * any effect we measure; exact deduplication uses SHA-256 instead. Deterministic across JVMs and platforms.
 */
public final class Hash64 {
    private static final long C1 = 0x87c37b91114253d5L;
    private static final long C2 = 0x4cf5ad432745937fL;
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private Hash64() {
    }

    public static long hash(CharSequence s, int from, int to) {
        return hash(s, from, to, false);
    }

    public static long hashLowerCase(CharSequence s, int from, int to) {
        return hash(s, from, to, true);
    }

    private static long hash(CharSequence s, int from, int to, boolean lower) {
        long h = GOLDEN * (to - from + 1);
        int i = from;
        for (; i + 4 <= to; i += 4) {
            long k = unit(s, i, lower) | unit(s, i + 1, lower) << 16 | unit(s, i + 2, lower) << 32
                    | unit(s, i + 3, lower) << 48;
            h ^= mixBlock(k);
            h = Long.rotateLeft(h, 27) * 5 + 0x52dce729;
        }
        long tail = 0;
        for (int shift = 0; i < to; i++, shift += 16) {
            tail |= unit(s, i, lower) << shift;
        }
        h ^= mixBlock(tail);
        return fmix(h);
    }

    private static long unit(CharSequence s, int i, boolean lower) {
        char c = s.charAt(i);
        return lower ? Character.toLowerCase(c) : c;
    }

    private static long mixBlock(long k) {
        k *= C1;
        k = Long.rotateLeft(k, 31);
        return k * C2;
    }

    /** Order-dependent combination: combine(a, b) differs from combine(b, a). Used to hash n-grams of words. */
    public static long combine(long accumulated, long next) {
        return fmix(accumulated * GOLDEN + next);
    }

    /** The murmur3 64-bit finaliser: every input bit affects every output bit. */
    public static long fmix(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }
}
