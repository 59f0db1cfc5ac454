package io.gemmaspark.jobs.prepare;

import io.gemmaspark.filtering.dedup.MinHasher;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which pairs of one LSH bucket have their exact Jaccard similarity checked, computed on the members' shingle sets
 * in the task that holds the bucket.
 *
 * <p>A bucket of up to {@code maxBucket} members checks every pair. A larger one (a common band: boilerplate, a
 * template, or many copies of one text) would be quadratic, so its members, in vid order, are checked against a
 * bounded list of representatives: a member that reaches the threshold with none of them becomes a representative
 * itself while there are fewer than {@code maxBucket}. A false positive in the bucket (a document that shares the
 * band but not the text) thus becomes a representative of its own and cannot cut the true duplicates apart: the
 * first of them becomes theirs. At most {@code n * maxBucket} pairs are checked. Every member is compared with every
 * representative rather than only the first that matches, so links between representatives are kept.
 */
final class BucketLinks {
    /** A bucket member: its row id and sorted, distinct shingle hashes ({@link MinHasher#shingles}). */
    record Member(long vid, long[] shingles) {
    }

    /** A checked pair, {@code a < b}, and its exact Jaccard similarity. */
    record Pair(long a, long b, double jaccard) {
    }

    private BucketLinks() {
    }

    /**
     * @param threshold the Jaccard similarity at which a member counts as represented
     */
    static List<Pair> check(List<Member> bucket, int maxBucket, double threshold) {
        List<Member> members = new ArrayList<>(bucket);
        members.sort(Comparator.comparingLong(Member::vid));
        List<Pair> pairs = new ArrayList<>();
        if (members.size() <= maxBucket) {
            for (int i = 0; i < members.size(); i++) {
                for (int j = i + 1; j < members.size(); j++) {
                    pairs.add(pair(members.get(i), members.get(j)));
                }
            }
            return pairs;
        }
        List<Member> representatives = new ArrayList<>();
        for (Member member : members) {
            boolean represented = false;
            for (Member representative : representatives) {
                Pair p = pair(representative, member);
                pairs.add(p);
                represented |= p.jaccard() >= threshold;
            }
            if (!represented && representatives.size() < maxBucket) {
                representatives.add(member);
            }
        }
        return pairs;
    }

    private static Pair pair(Member first, Member second) {
        return new Pair(first.vid(), second.vid(), MinHasher.jaccard(first.shingles(), second.shingles()));
    }
}
