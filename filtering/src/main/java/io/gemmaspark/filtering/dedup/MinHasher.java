package io.gemmaspark.filtering.dedup;

import io.gemmaspark.config.Range;
import io.gemmaspark.filtering.text.Hash64;
import io.gemmaspark.filtering.text.ParsedText;
import java.io.Serializable;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * MinHash signatures and LSH band keys for near-duplicate detection (Broder 1997; Leskovec et al., Mining of
 * Massive Datasets, ch. 3).
 *
 * <p>A document is the set of its word n-gram shingles (lower-cased words, n = 5), each hashed to 64 bits. For
 * each of k = bands × rows hash permutations π_i the signature keeps min over shingles of π_i(shingle); for two
 * documents with Jaccard similarity s = |A∩B| / |A∪B|, P[min π_i(A) = min π_i(B)] = s, so the fraction of equal
 * signature entries estimates s with standard error sqrt(s(1-s)/k).
 *
 * <p>Banding: the signature is cut into b bands of r rows, and each band is hashed to one key. Two documents
 * become a candidate pair when any band key is equal, which happens with probability
 * <pre>  P(candidate) = 1 - (1 - s^r)^b</pre>
 * With the defaults b = 14, r = 8 (112 permutations): s = 0.85 → 0.988, s = 0.8 → 0.92, s = 0.7 → 0.56,
 * s = 0.5 → 0.053, s = 0.3 → 0.0009. The S-curve's midpoint is near (1/b)^(1/r) ≈ 0.72.
 *
 * <p>Permutations are π_i(x) = a_i·x + b_i mod 2^64 with odd a_i (a bijection on 64-bit values) applied to the
 * 64-bit shingle hash, with a_i, b_i drawn from a seeded generator: deterministic across runs and machines.
 */
public final class MinHasher implements Serializable {

    /**
     * @param ngramSize   words per shingle
     * @param bands       LSH bands b
     * @param rowsPerBand signature rows per band r; the signature has b·r permutations
     * @param seed        seed of the permutations; signatures are only comparable under the same seed
     * @param threshold   a candidate pair is a duplicate when the Jaccard similarity of its shingle sets is at
     *                    least this
     */
    public record Config(boolean enabled, @Range(min = 1, max = 64) int ngramSize,
                         @Range(min = 1, max = 1024) int bands, @Range(min = 1, max = 1024) int rowsPerBand,
                         long seed, @Range(min = 0, max = 1) double threshold) implements Serializable {
        public int permutations() {
            return bands * rowsPerBand;
        }
    }

    private final Config config;
    private final long[] multipliers;
    private final long[] increments;

    public MinHasher(Config config) {
        this.config = config;
        int k = config.permutations();
        SplittableRandom random = new SplittableRandom(config.seed());
        multipliers = new long[k];
        increments = new long[k];
        for (int i = 0; i < k; i++) {
            multipliers[i] = random.nextLong() | 1L;
            increments[i] = random.nextLong();
        }
    }

    public Config config() {
        return config;
    }

    /**
     * Distinct shingle hashes of the text, sorted. A text shorter than one shingle is a single shingle of all its
     * words (so short documents can still match each other); a text without words has the empty set.
     */
    public long[] shingles(String text) {
        ParsedText parsed = ParsedText.of(text);
        int words = parsed.wordCount();
        if (words == 0) {
            return new long[0];
        }
        int n = Math.min(config.ngramSize(), words);
        long[] wordHashes = new long[words];
        for (int i = 0; i < words; i++) {
            wordHashes[i] = parsed.lowerWordHash(i);
        }
        long[] out = new long[words - n + 1];
        for (int start = 0; start < out.length; start++) {
            long h = wordHashes[start];
            for (int j = 1; j < n; j++) {
                h = Hash64.combine(h, wordHashes[start + j]);
            }
            out[start] = h;
        }
        Arrays.sort(out);
        int distinct = 0;
        for (int i = 0; i < out.length; i++) {
            if (i == 0 || out[i] != out[i - 1]) {
                out[distinct++] = out[i];
            }
        }
        return Arrays.copyOf(out, distinct);
    }

    public long[] signature(String text) {
        return signature(shingles(text));
    }

    /** The MinHash signature of a shingle set: k minima. An empty set gives all Long.MAX_VALUE. */
    public long[] signature(long[] shingles) {
        int k = multipliers.length;
        long[] signature = new long[k];
        Arrays.fill(signature, Long.MAX_VALUE);
        for (long shingle : shingles) {
            for (int i = 0; i < k; i++) {
                long v = multipliers[i] * shingle + increments[i];
                if (v < signature[i]) {
                    signature[i] = v;
                }
            }
        }
        return signature;
    }

    /**
     * One 64-bit key per band: a hash of the band index and its r signature rows. Keys of different bands never
     * need to be compared, but include the band index so that a single (key) column can be grouped on.
     */
    public long[] bandKeys(long[] signature) {
        int rows = config.rowsPerBand();
        long[] keys = new long[config.bands()];
        for (int band = 0; band < keys.length; band++) {
            long h = Hash64.fmix(band + 0x5851F42D4C957F2DL);
            for (int r = 0; r < rows; r++) {
                h = Hash64.combine(h, signature[band * rows + r]);
            }
            keys[band] = h;
        }
        return keys;
    }

    /** Fraction of equal signature entries: an unbiased estimate of the Jaccard similarity. */
    public static double estimateJaccard(long[] signatureA, long[] signatureB) {
        int equal = 0;
        for (int i = 0; i < signatureA.length; i++) {
            if (signatureA[i] == signatureB[i]) {
                equal++;
            }
        }
        return (double) equal / signatureA.length;
    }

    /** Exact Jaccard similarity of two sorted, distinct shingle arrays (as returned by {@link #shingles}). */
    public static double jaccard(long[] a, long[] b) {
        if (a.length == 0 && b.length == 0) {
            return 1.0;
        }
        int i = 0;
        int j = 0;
        int common = 0;
        while (i < a.length && j < b.length) {
            if (a[i] == b[j]) {
                common++;
                i++;
                j++;
            } else if (a[i] < b[j]) {
                i++;
            } else {
                j++;
            }
        }
        return (double) common / (a.length + b.length - common);
    }

    /** P(candidate) = 1 - (1 - s^r)^b for two documents of Jaccard similarity s. */
    public double candidateProbability(double similarity) {
        return 1 - Math.pow(1 - Math.pow(similarity, config.rowsPerBand()), config.bands());
    }
}
