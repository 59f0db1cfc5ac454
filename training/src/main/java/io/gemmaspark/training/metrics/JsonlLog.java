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
import java.util.function.ToLongFunction;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A per-step JSONL log (one compact JSON object per step or round), flushed as it is written. On resume the lines
 * up to the checkpoint's step are kept and later ones (from the interrupted run) are dropped, so the file always
 * describes one consistent run.
 */
public final class JsonlLog<T> implements AutoCloseable {
    private static final ObjectMapper COMPACT = new ObjectMapper();

    private final FSDataOutputStream out;
    private final List<T> history;

    private JsonlLog(FSDataOutputStream out, List<T> history) {
        this.out = out;
        this.history = history;
    }

    /**
     * @param keepThroughStep lines whose {@code step} is at most this are kept; 0 starts the file afresh
     */
    public static <T> JsonlLog<T> open(String file, Configuration conf, long keepThroughStep, Class<T> type,
            ToLongFunction<T> step) {
        try {
            Path path = new Path(file);
            FileSystem fs = path.getFileSystem(conf);
            if (fs instanceof LocalFileSystem local) {
                // The checksummed local file system buffers until close; the raw one makes hflush reach the file.
                fs = local.getRawFileSystem();
            }
            List<T> kept = new ArrayList<>();
            if (keepThroughStep > 0 && fs.exists(path)) {
                try (BufferedReader reader = new BufferedReader(
                        new InputStreamReader(fs.open(path), StandardCharsets.UTF_8))) {
                    for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                        if (!line.isBlank()) {
                            T entry = COMPACT.readValue(line, type);
                            if (step.applyAsLong(entry) <= keepThroughStep) {
                                kept.add(entry);
                            }
                        }
                    }
                }
            }
            JsonlLog<T> log = new JsonlLog<>(fs.create(path, true), new ArrayList<>());
            for (T entry : kept) {
                log.append(entry);
            }
            return log;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open metrics file " + file, e);
        }
    }

    public void append(T entry) {
        try {
            out.write((COMPACT.writeValueAsString(entry) + "\n").getBytes(StandardCharsets.UTF_8));
            out.hflush();
            history.add(entry);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write metrics", e);
        }
    }

    /** Every entry of the run so far, the kept ones first. */
    public List<T> history() {
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
