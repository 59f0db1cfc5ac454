package io.gemmaspark.jobs.prepare;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.mapreduce.InputSplit;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.SerializableConfiguration;
import scala.Tuple2;

/**
 * Line numbers for records of large splittable text files. A task reading split k of a file knows its records'
 * byte offsets but not how many lines the earlier splits hold; those counts come from a quick pass that counts
 * newline bytes in every split but a file's last (one number per split goes to the driver, never data).
 * Files read whole (small or compressed) need no pass: their first line is line 1.
 *
 * <p>The JSONL reader, like Hadoop's line reader, gives a split starting at byte s &gt; 0 the lines that begin
 * after the first newline at or after s, so its first record is line {@code 1 + newlines(0, s) + 1}.
 */
public final class LineNumbers implements Serializable {
    /** file → split start → newlines before that start. */
    private final Map<String, TreeMap<Long, Long>> newlinesBefore;

    private LineNumbers(Map<String, TreeMap<Long, Long>> newlinesBefore) {
        this.newlinesBefore = newlinesBefore;
    }

    public static LineNumbers count(JavaSparkContext sc, List<InputSplit> splits, Configuration conf) {
        Map<String, List<FileSplit>> byFile = new HashMap<>();
        for (InputSplit split : splits) {
            FileSplit fileSplit = (FileSplit) split;
            byFile.computeIfAbsent(fileSplit.getPath().toString(), k -> new ArrayList<>()).add(fileSplit);
        }
        List<Tuple2<String, long[]>> ranges = new ArrayList<>();
        for (var entry : byFile.entrySet()) {
            List<FileSplit> fileSplits = entry.getValue();
            if (fileSplits.size() < 2) {
                continue;
            }
            fileSplits.sort((a, b) -> Long.compare(a.getStart(), b.getStart()));
            for (FileSplit s : fileSplits.subList(0, fileSplits.size() - 1)) {
                ranges.add(new Tuple2<>(entry.getKey(), new long[] {s.getStart(), s.getLength()}));
            }
        }
        Map<String, TreeMap<Long, Long>> before = new HashMap<>();
        if (ranges.isEmpty()) {
            return new LineNumbers(before);
        }
        SerializableConfiguration serializableConf = new SerializableConfiguration(conf);
        List<Tuple2<String, long[]>> counted = sc.parallelize(ranges, Math.min(ranges.size(), sc.defaultParallelism() * 4))
                .map(range -> new Tuple2<>(range._1(), new long[] {range._2()[0], range._2()[1],
                        countNewlines(range._1(), range._2()[0], range._2()[1], serializableConf.value())}))
                .collect();
        Map<String, TreeMap<Long, Long>> countsByStart = new HashMap<>();
        for (Tuple2<String, long[]> c : counted) {
            countsByStart.computeIfAbsent(c._1(), k -> new TreeMap<>()).put(c._2()[0], c._2()[2]);
        }
        for (var entry : byFile.entrySet()) {
            TreeMap<Long, Long> counts = countsByStart.get(entry.getKey());
            if (counts == null) {
                continue;
            }
            TreeMap<Long, Long> cumulative = new TreeMap<>();
            long running = 0;
            for (FileSplit s : entry.getValue()) { // sorted by start above
                cumulative.put(s.getStart(), running);
                running += counts.getOrDefault(s.getStart(), 0L);
            }
            before.put(entry.getKey(), cumulative);
        }
        return new LineNumbers(before);
    }

    /** The 1-based line number of the first record a split yields. */
    public long firstLine(FileSplit split) {
        if (split.getStart() == 0) {
            return 1;
        }
        TreeMap<Long, Long> file = newlinesBefore.get(split.getPath().toString());
        Long newlines = file == null ? null : file.get(split.getStart());
        if (newlines == null) {
            throw new IllegalStateException("no line count for split " + split);
        }
        return newlines + 2;
    }

    private static long countNewlines(String file, long start, long length, Configuration conf) {
        Path path = new Path(file);
        byte[] buffer = new byte[1 << 16];
        long count = 0;
        try (FSDataInputStream in = path.getFileSystem(conf).open(path)) {
            in.seek(start);
            long remaining = length;
            while (remaining > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
                if (n < 0) {
                    break;
                }
                for (int i = 0; i < n; i++) {
                    if (buffer[i] == '\n') {
                        count++;
                    }
                }
                remaining -= n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return count;
    }
}
