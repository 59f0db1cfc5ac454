package io.gemmaspark.training.metrics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code metrics.jsonl}: one compact JSON object per step, flushed as it is written. On resume the lines up to
 * the checkpoint's step are kept and later ones (from the interrupted run) are dropped, so the file always
 * describes one consistent run.
 */
public final class MetricsLog implements AutoCloseable {
    private static final ObjectMapper COMPACT = new ObjectMapper();

    private final FSDataOutputStream out;
    private final List<StepMetrics> history;

    private MetricsLog(FSDataOutputStream out, List<StepMetrics> history) {
        this.out = out;
        this.history = history;
    }

    public static MetricsLog open(String file, Configuration conf, long keepThroughStep) {
        try {
            Path path = new Path(file);
            FileSystem fs = path.getFileSystem(conf);
            if (fs instanceof LocalFileSystem local) {
                // The checksummed local file system buffers until close; the raw one makes hflush reach the file.
                fs = local.getRawFileSystem();
            }
            List<StepMetrics> kept = new ArrayList<>();
            if (keepThroughStep > 0 && fs.exists(path)) {
                try (BufferedReader reader = new BufferedReader(
                        new InputStreamReader(fs.open(path), StandardCharsets.UTF_8))) {
                    for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                        if (!line.isBlank()) {
                            StepMetrics metrics = COMPACT.readValue(line, StepMetrics.class);
                            if (metrics.step() <= keepThroughStep) {
                                kept.add(metrics);
                            }
                        }
                    }
                }
            }
            MetricsLog log = new MetricsLog(fs.create(path, true), new ArrayList<>());
            for (StepMetrics metrics : kept) {
                log.append(metrics);
            }
            return log;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open metrics file " + file, e);
        }
    }

    public static List<StepMetrics> read(String file, Configuration conf) {
        try (MetricsLog log = open(file, conf, Long.MAX_VALUE)) {
            return log.history();
        }
    }

    public void append(StepMetrics metrics) {
        try {
            out.write((COMPACT.writeValueAsString(metrics) + "\n").getBytes(StandardCharsets.UTF_8));
            out.hflush();
            history.add(metrics);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write metrics", e);
        }
    }

    public List<StepMetrics> history() {
        return history;
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
