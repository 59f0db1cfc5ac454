package io.gemmaspark.jobs.tokenizer;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import scala.Tuple2;

/**
 * Brings a corpus's word counts to the driver, bounded: words counted fewer than {@code minCount} times are
 * dropped, then only the {@code maxWords} most frequent survive (ties broken by the word, so the choice does not
 * depend on partitioning). Both steps run on the executors; the driver receives the survivors and four totals.
 */
public final class WordPruning {
    /**
     * @param kept                 the surviving words and their counts
     * @param distinctWords        distinct words before pruning
     * @param occurrences          word occurrences before pruning
     * @param prunedWords          distinct words pruned
     * @param prunedOccurrences    occurrences of the pruned words
     */
    public record Result(Map<String, Long> kept, long distinctWords, long occurrences, long prunedWords,
                         long prunedOccurrences) {
    }

    private WordPruning() {
    }

    /** @param counts one count per distinct word (reduced); read several times, so persist it first */
    public static Result prune(JavaPairRDD<String, Long> counts, long minCount, long maxWords) {
        // {distinct, occurrences, distinct >= minCount, occurrences >= minCount}
        long[] totals = counts
                .map(c -> c._2() >= minCount ? new long[] {1, c._2(), 1, c._2()} : new long[] {1, c._2(), 0, 0})
                .fold(new long[4], (a, b) -> new long[] {a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]});
        JavaPairRDD<String, Long> frequent = minCount > 1 ? counts.filter(c -> c._2() >= minCount) : counts;
        long keptWords = totals[2];
        if (maxWords > 0 && keptWords > maxWords) {
            frequent = frequent.mapToPair(c -> new Tuple2<>(new Rank(c._2(), c._1()), c._2()))
                    .sortByKey()
                    .zipWithIndex()
                    .filter(ranked -> ranked._2() < maxWords)
                    .mapToPair(ranked -> new Tuple2<>(ranked._1()._1().word, ranked._1()._2()));
        }
        Map<String, Long> kept = new HashMap<>(frequent.collectAsMap());
        long keptOccurrences = kept.values().stream().mapToLong(Long::longValue).sum();
        return new Result(kept, totals[0], totals[1], totals[0] - kept.size(), totals[1] - keptOccurrences);
    }

    /** Order of a word among the survivors: most frequent first, then by the word. */
    static final class Rank implements Comparable<Rank>, Serializable {
        final long count;
        final String word;

        Rank(long count, String word) {
            this.count = count;
            this.word = word;
        }

        @Override
        public int compareTo(Rank other) {
            int c = Long.compare(other.count, count);
            return c != 0 ? c : word.compareTo(other.word);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Rank r && r.count == count && r.word.equals(word);
        }

        @Override
        public int hashCode() {
            return word.hashCode() * 31 + Long.hashCode(count);
        }
    }
}
