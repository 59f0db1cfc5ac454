package io.gemmaspark.jobs.prepare;

import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.util.AccumulatorV2;

/**
 * Counts by reason of the records a job skipped while reading (input:too_long, input:malformed_json, ...), for
 * jobs that, unlike prepare, keep no table of every record. Add to it only in a stage that runs once (before a
 * shuffle or a persist), as Spark may run a transformation's tasks again.
 */
public final class ReasonCounter extends AccumulatorV2<String, Map<String, Long>> {
    private final TreeMap<String, Long> counts = new TreeMap<>();

    @Override
    public boolean isZero() {
        return counts.isEmpty();
    }

    @Override
    public ReasonCounter copy() {
        ReasonCounter copy = new ReasonCounter();
        copy.counts.putAll(counts);
        return copy;
    }

    @Override
    public void reset() {
        counts.clear();
    }

    @Override
    public void add(String reason) {
        counts.merge(reason, 1L, Long::sum);
    }

    @Override
    public void merge(AccumulatorV2<String, Map<String, Long>> other) {
        other.value().forEach((reason, n) -> counts.merge(reason, n, Long::sum));
    }

    @Override
    public Map<String, Long> value() {
        return new TreeMap<>(counts);
    }

    public long total() {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }
}
