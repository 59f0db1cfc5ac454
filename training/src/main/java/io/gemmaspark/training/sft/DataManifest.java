package io.gemmaspark.training.sft;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What reading a fine-tuning data set kept and dropped: every dropped record counted under its reason, and the
 * first few named by {@code file:line}. Written into the job's summary; nothing is dropped silently.
 *
 * @param read       records read (non-blank lines)
 * @param kept       records turned into training examples
 * @param dropped    dropped records by reason (e.g. {@code wrong_role_order}, {@code too_long})
 * @param firstBad   up to {@value #EXAMPLES} dropped records as {@code file:line: reason: detail}
 */
public record DataManifest(long read, long kept, Map<String, Long> dropped, List<String> firstBad) {
    static final int EXAMPLES = 20;

    public static DataManifest empty() {
        return new DataManifest(0, 0, new TreeMap<>(), new ArrayList<>());
    }

    public DataManifest keep() {
        return new DataManifest(read + 1, kept + 1, dropped, firstBad);
    }

    public DataManifest drop(String where, String reason, String detail) {
        dropped.merge(reason, 1L, Long::sum);
        if (firstBad.size() < EXAMPLES) {
            firstBad.add(where + ": " + reason + ": " + detail);
        }
        return new DataManifest(read + 1, kept, dropped, firstBad);
    }

    public long droppedTotal() {
        return dropped.values().stream().mapToLong(Long::longValue).sum();
    }

    public String describe() {
        return String.format("%,d read, %,d kept, %,d dropped %s", read, kept, droppedTotal(), dropped);
    }
}
