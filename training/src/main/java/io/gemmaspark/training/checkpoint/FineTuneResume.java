package io.gemmaspark.training.checkpoint;

import io.gemmaspark.training.HadoopPaths;
import io.gemmaspark.util.Json;
import io.gemmaspark.util.UserError;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code --resume} for the fine-tuning jobs (sft, reward-train, rlhf), with pretraining's policy: an output that
 * holds checkpoints is continued only when asked, from its newest checkpoint that verifies; a run resumed from step
 * {@code s} then repeats exactly what the uninterrupted run did after step {@code s} (the checkpoint holds the
 * parameters, Adam's state and the iteration count; data order and sampling seeds are functions of the step).
 */
public final class FineTuneResume {
    private static final String BASELINE = "baseline.json";

    private FineTuneResume() {
    }

    /**
     * The checkpoint to continue from, or empty for a fresh start.
     *
     * @param newest loads the newest checkpoint that verifies, if any
     * @param describe names a loaded checkpoint for the log (its directory and step)
     * @throws UserError when {@code out} holds checkpoints and {@code resume} is false
     */
    public static <T> Optional<T> latest(String job, String out, boolean resume, Supplier<Optional<T>> newest,
            Function<T, String> describe, Configuration conf) {
        Optional<T> restored = resume ? newest.get() : Optional.empty();
        if (restored.isPresent()) {
            System.out.printf("%s: resuming from %s%n", job, describe.apply(restored.get()));
        } else if (!resume && HadoopPaths.exists(out + "/checkpoints", conf)) {
            throw new UserError(out + ": holds checkpoints of an earlier run; pass --resume to continue it, "
                    + "or choose another --out");
        } else if (resume) {
            System.out.println(job + ": --resume given but no complete checkpoint under " + out
                    + "/checkpoints; starting from step 0");
        }
        return restored;
    }

    /** {@link #latest} for decoder checkpoints written by {@link PretrainCheckpoints}. */
    public static Optional<PretrainCheckpoints.Loaded> latest(String job, String out, PretrainCheckpoints checkpoints,
            boolean resume, Configuration conf) {
        return latest(job, out, resume, checkpoints::loadLatest,
                loaded -> loaded.path() + " (step " + loaded.state().step() + ")", conf);
    }

    /**
     * Figures measured before the first step (the start checkpoint's held-out scores): measured and kept in
     * {@code out/baseline.json} on a fresh start, read back on resume so that the summary still compares the
     * run's end with its start.
     */
    public static <T> T baseline(String out, Class<T> type, boolean resumed, Supplier<T> measure, Configuration conf) {
        Path file = new Path(out, BASELINE);
        try {
            FileSystem fs = file.getFileSystem(conf);
            if (resumed) {
                if (!fs.exists(file)) {
                    throw new UserError(file + ": missing, so the resumed run cannot report its start figures");
                }
                try (InputStream in = fs.open(file)) {
                    return Json.MAPPER.readValue(in, type);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        T measured = measure.get();
        Json.write(measured, file, conf);
        return measured;
    }

    /** The summary a finished run wrote, for a resume with nothing left to do. */
    public static <T> T finishedSummary(String job, String out, Class<T> type, Configuration conf) {
        Path summary = new Path(out, "summary.json");
        System.out.printf("%s: %s is finished; nothing left to do%n", job, out);
        try (InputStream in = summary.getFileSystem(conf).open(summary)) {
            return Json.MAPPER.readValue(in, type);
        } catch (IOException e) {
            throw new UserError(summary + ": the run is finished but its summary cannot be read (" + e.getMessage()
                    + ")");
        }
    }
}
