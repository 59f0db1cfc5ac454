package io.gemmaspark.jobs.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.filtering.FilterConfig;
import io.gemmaspark.filtering.dedup.MinHasher;
import io.gemmaspark.jobs.bench.SyntheticCorpus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Oversized LSH buckets built from real shingle sets: true duplicates of a text plus documents that share the
 * bucket without sharing the text. The clusters are the connected components of the pairs at or above the
 * threshold, computed here with a union-find of the test's own.
 */
class BucketLinksTest {
    private static final SyntheticCorpus CORPUS = new SyntheticCorpus(11);
    private static final MinHasher HASHER = new MinHasher(FilterConfig.defaults().dedup().nearDuplicates());
    private static final double THRESHOLD = HASHER.config().threshold();
    private static final int MAX_BUCKET = 8;

    @Test
    void aFalsePositiveWithTheSmallestIdDoesNotSplitTheTrueDuplicates() {
        List<BucketLinks.Member> bucket = new ArrayList<>();
        bucket.add(member(0, CORPUS.document(500))); // smallest vid: what the old scheme linked everyone to
        for (int i = 1; i <= 3 * MAX_BUCKET; i++) {
            bucket.add(member(i, i == 1 ? CORPUS.document(1) : CORPUS.withReplacedWords(CORPUS.document(1), 1, i)));
        }
        for (int i = 1; i < bucket.size(); i++) {
            assertTrue(MinHasher.jaccard(bucket.get(0).shingles(), bucket.get(i).shingles()) < THRESHOLD,
                    "the constructed false positive is below the threshold with every member");
        }

        List<BucketLinks.Pair> pairs = BucketLinks.check(bucket, MAX_BUCKET, THRESHOLD);

        Map<Long, Long> clusters = components(bucket, pairs);
        Set<Long> duplicateClusters = new HashSet<>();
        for (int i = 1; i < bucket.size(); i++) {
            duplicateClusters.add(clusters.get((long) i));
        }
        assertEquals(1, duplicateClusters.size(), "all true duplicates in one cluster: " + clusters);
        assertNotEquals(clusters.get(0L), clusters.get(1L), "the false positive stays apart");
        assertTrue(pairs.size() <= (long) bucket.size() * MAX_BUCKET, "bounded: " + pairs.size() + " pairs checked");
    }

    @Test
    void severalTextsSharingAnOversizedBucketEachStayTogetherAndApart() {
        List<BucketLinks.Member> bucket = new ArrayList<>();
        long vid = 0;
        for (int copy = 0; copy < 2 * MAX_BUCKET; copy++) {
            for (int text = 0; text < 3; text++) {
                String base = CORPUS.document(100 + text);
                bucket.add(member(vid, copy == 0 ? base : CORPUS.withReplacedWords(base, 1, vid)));
                vid++;
            }
        }
        bucket.add(member(vid, CORPUS.document(999)));

        Map<Long, Long> clusters = components(bucket, BucketLinks.check(bucket, MAX_BUCKET, THRESHOLD));

        for (long v = 0; v < vid; v++) {
            assertEquals(clusters.get(v % 3), clusters.get(v), "copy " + v + " with its text's first copy");
        }
        assertEquals(4, new HashSet<>(clusters.values()).size(), "three texts and the stray: " + clusters);
    }

    @Test
    void aSmallBucketChecksEveryPairOnce() {
        List<BucketLinks.Member> bucket = new ArrayList<>();
        for (int i = 0; i < MAX_BUCKET; i++) {
            bucket.add(member(MAX_BUCKET - i, CORPUS.document(i)));
        }
        List<BucketLinks.Pair> pairs = BucketLinks.check(bucket, MAX_BUCKET, THRESHOLD);
        assertEquals(MAX_BUCKET * (MAX_BUCKET - 1) / 2, pairs.size());
        assertEquals(pairs.size(), new HashSet<>(pairs.stream().map(p -> p.a() + "-" + p.b()).toList()).size());
        assertTrue(pairs.stream().allMatch(p -> p.a() < p.b() && p.jaccard() < THRESHOLD), "distinct texts");
    }

    private static BucketLinks.Member member(long vid, String text) {
        return new BucketLinks.Member(vid, HASHER.shingles(text));
    }

    /** vid → smallest vid of its component over the pairs at or above the threshold. */
    private static Map<Long, Long> components(List<BucketLinks.Member> bucket, List<BucketLinks.Pair> pairs) {
        Map<Long, Long> parent = new HashMap<>();
        bucket.forEach(m -> parent.put(m.vid(), m.vid()));
        for (BucketLinks.Pair p : pairs) {
            if (p.jaccard() >= THRESHOLD) {
                long ra = root(parent, p.a());
                long rb = root(parent, p.b());
                parent.put(Math.max(ra, rb), Math.min(ra, rb));
            }
        }
        Map<Long, Long> out = new HashMap<>();
        parent.keySet().forEach(v -> out.put(v, root(parent, v)));
        return out;
    }

    private static long root(Map<Long, Long> parent, long v) {
        while (parent.get(v) != v) {
            v = parent.get(v);
        }
        return v;
    }
}
