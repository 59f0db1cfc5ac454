package io.gemmaspark.filtering.classifier;

import java.nio.charset.StandardCharsets;

/**
 * The feature index that Spark MLlib's {@code HashingTF.indexOf} gives a term, computed without Spark: MurmurHash3
 * x86_32 with seed 42 over the term's UTF-8 bytes (Spark's {@code Murmur3_x86_32.hashUnsafeBytes2}, the variant
 * HashingTF uses since Spark 3.0), taken modulo the number of features into [0, numFeatures).
 *
 * <p>The filtering module carries no Spark, so the hash lives here; {@code LinearTextClassifierParityTest} in
 * spark-jobs checks it against {@code HashingTF.indexOf} term by term and the scores against
 * {@code PipelineModel.transform}.
 */
public final class SparkTermIndex {
    private static final int SEED = 42;
    private static final int C1 = 0xcc9e2d51;
    private static final int C2 = 0x1b873593;

    private SparkTermIndex() {
    }

    public static int indexOf(String term, int numFeatures) {
        byte[] utf8 = term.getBytes(StandardCharsets.UTF_8);
        return indexOf(utf8, utf8.length, numFeatures);
    }

    /** The index of the term whose UTF-8 encoding (as {@link String#getBytes} gives it) is bytes[0, length). */
    public static int indexOf(byte[] bytes, int length, int numFeatures) {
        int raw = murmur3(bytes, length) % numFeatures;
        return raw < 0 ? raw + numFeatures : raw;
    }

    static int murmur3(byte[] bytes, int length) {
        int aligned = length - length % 4;
        int h1 = SEED;
        for (int i = 0; i < aligned; i += 4) {
            int word = (bytes[i] & 0xff) | (bytes[i + 1] & 0xff) << 8 | (bytes[i + 2] & 0xff) << 16 | bytes[i + 3] << 24;
            h1 = mixH1(h1, mixK1(word));
        }
        // The tail bytes are mixed as one block, as in the reference MurmurHash3 (the pre-3.0 Spark variant mixed
        // each tail byte as a whole block, which is where hashUnsafeBytes2 differs).
        int k1 = 0;
        for (int i = aligned, shift = 0; i < length; i++, shift += 8) {
            k1 ^= (bytes[i] & 0xff) << shift;
        }
        h1 ^= mixK1(k1);
        return fmix(h1, length);
    }

    private static int mixK1(int k1) {
        return Integer.rotateLeft(k1 * C1, 15) * C2;
    }

    private static int mixH1(int h1, int k1) {
        return Integer.rotateLeft(h1 ^ k1, 13) * 5 + 0xe6546b64;
    }

    private static int fmix(int h1, int length) {
        h1 ^= length;
        h1 ^= h1 >>> 16;
        h1 *= 0x85ebca6b;
        h1 ^= h1 >>> 13;
        h1 *= 0xc2b2ae35;
        h1 ^= h1 >>> 16;
        return h1;
    }
}
