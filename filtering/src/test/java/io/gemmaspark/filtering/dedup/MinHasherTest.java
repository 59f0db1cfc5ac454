package io.gemmaspark.filtering.dedup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.filtering.FilterConfig;
import io.gemmaspark.filtering.Texts;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MinHasherTest {
    private static final MinHasher.Config CONFIG = FilterConfig.defaults().dedup().nearDuplicates();
    private static final MinHasher HASHER = new MinHasher(CONFIG);
    private static final String[] VOCABULARY = vocabulary(5000, new SplittableRandom(7));

    private static String[] vocabulary(int size, SplittableRandom random) {
        String[] words = new String[size];
        for (int i = 0; i < size; i++) {
            char[] w = new char[3 + random.nextInt(7)];
            for (int j = 0; j < w.length; j++) {
                w[j] = (char) ('a' + random.nextInt(26));
            }
            words[i] = new String(w);
        }
        return words;
    }

    private static String[] randomDocument(int words, SplittableRandom random) {
        String[] doc = new String[words];
        for (int i = 0; i < words; i++) {
            doc[i] = VOCABULARY[random.nextInt(VOCABULARY.length)];
        }
        return doc;
    }

    /** A copy of doc with {@code edits} words replaced at random positions. */
    private static String[] edited(String[] doc, int edits, SplittableRandom random) {
        String[] copy = doc.clone();
        for (int e = 0; e < edits; e++) {
            copy[random.nextInt(copy.length)] = VOCABULARY[random.nextInt(VOCABULARY.length)];
        }
        return copy;
    }

    private record Pair(double jaccard, long[] signatureA, long[] signatureB) {
        boolean candidate() {
            long[] a = HASHER.bandKeys(signatureA);
            long[] b = HASHER.bandKeys(signatureB);
            for (int i = 0; i < a.length; i++) {
                if (a[i] == b[i]) {
                    return true;
                }
            }
            return false;
        }
    }

    private static Pair pair(String[] a, String[] b) {
        long[] sa = HASHER.shingles(String.join(" ", a));
        long[] sb = HASHER.shingles(String.join(" ", b));
        return new Pair(MinHasher.jaccard(sa, sb), HASHER.signature(sa), HASHER.signature(sb));
    }

    @Test
    void defaultsAre14BandsOf8RowsOverWord5Grams() {
        assertEquals(5, CONFIG.ngramSize());
        assertEquals(112, CONFIG.permutations());
        assertEquals(112, HASHER.signature(Texts.ENCYCLOPEDIA).length);
        assertEquals(14, HASHER.bandKeys(HASHER.signature(Texts.ENCYCLOPEDIA)).length);
        assertEquals(0.988, HASHER.candidateProbability(0.85), 0.001);
        assertEquals(0.0009, HASHER.candidateProbability(0.3), 0.0001);
    }

    @Test
    void shinglesIgnoreCasePunctuationAndSpacing() {
        long[] a = HASHER.shingles("The quick brown fox jumps over the lazy dog.");
        long[] b = HASHER.shingles("the QUICK brown fox\n\njumps over  the lazy dog");
        assertArrayEquals(a, b);
        assertEquals(5, a.length);
        assertEquals(1, HASHER.shingles("too short").length);
        assertEquals(0, HASHER.shingles("  ... ").length);
        assertEquals(1.0, MinHasher.jaccard(a, b));
        assertEquals(0.0, MinHasher.jaccard(a, HASHER.shingles("an unrelated sentence about rivers and bridges")));
    }

    @Test
    void signaturesAreDeterministicAndSeedDependent() {
        long[] first = new MinHasher(CONFIG).signature(Texts.ENCYCLOPEDIA);
        long[] again = new MinHasher(CONFIG).signature(Texts.ENCYCLOPEDIA);
        assertArrayEquals(first, again);
        MinHasher.Config otherSeed = new MinHasher.Config(true, 5, 14, 8, CONFIG.seed() + 1, CONFIG.threshold());
        assertFalse(Arrays.equals(first, new MinHasher(otherSeed).signature(Texts.ENCYCLOPEDIA)));
    }

    @Test
    void signatureAgreementEstimatesJaccard() {
        SplittableRandom random = new SplittableRandom(11);
        double totalError = 0;
        double maxError = 0;
        int pairs = 400;
        for (int i = 0; i < pairs; i++) {
            String[] doc = randomDocument(200, random);
            Pair p = pair(doc, edited(doc, random.nextInt(60), random));
            double error = Math.abs(MinHasher.estimateJaccard(p.signatureA, p.signatureB) - p.jaccard);
            totalError += error;
            maxError = Math.max(maxError, error);
        }
        // The standard error is sqrt(J(1-J)/112) <= 0.047, so the mean absolute error is about 0.03 at most.
        assertTrue(totalError / pairs < 0.04, "mean abs error " + totalError / pairs);
        assertTrue(maxError < 0.2, "max error " + maxError);
    }

    @Test
    void bandingFindsNearDuplicatesAtJaccard085() {
        SplittableRandom random = new SplittableRandom(13);
        int pairs = 0;
        int found = 0;
        while (pairs < 600) {
            String[] doc = randomDocument(300, random);
            Pair p = pair(doc, edited(doc, 3 + random.nextInt(4), random));
            if (p.jaccard >= 0.85 && p.jaccard <= 0.9) {
                pairs++;
                found += p.candidate() ? 1 : 0;
            }
        }
        double recall = (double) found / pairs;
        // Theory: P(candidate | s=0.85) = 0.988.
        assertTrue(recall >= 0.97, "recall at J in [0.85, 0.90]: " + recall);
    }

    @Test
    void bandingRarelyPairsDissimilarDocuments() {
        SplittableRandom random = new SplittableRandom(17);
        int pairs = 0;
        int candidates = 0;
        while (pairs < 1500) {
            String[] doc = randomDocument(300, random);
            Pair p = pair(doc, edited(doc, 48 + random.nextInt(12), random));
            if (p.jaccard >= 0.2 && p.jaccard <= 0.3) {
                pairs++;
                candidates += p.candidate() ? 1 : 0;
            }
        }
        // Theory: P(candidate | s=0.3) = 0.0009, so about 1 in 1500; 6 or more would mean broken banding.
        assertTrue(candidates <= 5, "false candidates at J in [0.2, 0.3]: " + candidates + " of " + pairs);
    }

    @Test
    void unrelatedDocumentsShareNoBandKey() {
        SplittableRandom random = new SplittableRandom(19);
        long[] keys = HASHER.bandKeys(HASHER.signature(String.join(" ", randomDocument(300, random))));
        for (int i = 0; i < 300; i++) {
            long[] other = HASHER.bandKeys(HASHER.signature(String.join(" ", randomDocument(300, random))));
            for (int b = 0; b < keys.length; b++) {
                assertTrue(keys[b] != other[b]);
            }
        }
    }

    @Test
    void exactHashIsTheSha256PrefixOfTheUtf8Text() {
        assertEquals("ba7816bf8f01cfea414140de5dae2223", ExactHash.of("abc"));
        assertEquals(32, ExactHash.of(Texts.ENCYCLOPEDIA).length());
        assertFalse(ExactHash.of("caf\u00e9").equals(ExactHash.of("cafe\u0301")));
    }
}
