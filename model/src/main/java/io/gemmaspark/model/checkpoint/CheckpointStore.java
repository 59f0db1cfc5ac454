package io.gemmaspark.model.checkpoint;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gemmaspark.util.AtomicOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A training run's checkpoints under one root (any Hadoop path): {@code step-000001000/} directories, each a
 * {@link NativeCheckpoint}, a {@code latest} file naming the newest complete one, and keep-last-K pruning.
 * {@link #latestValid()} is what a restarting trainer calls: it verifies the newest checkpoint and falls back to
 * older ones, with a warning, when a save was interrupted or a file is corrupt.
 */
public final class CheckpointStore {
    public static final String LATEST = "latest";
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
    private static final Pattern STEP_DIR = Pattern.compile("step-(\\d+)");
    private static final Pattern TEMP_STEP_DIR = Pattern.compile("\\.step-(\\d+)\\.tmp-.*");

    private final Path root;
    private final int keepLast;
    private final Configuration conf;
    private final FileSystem fs;

    /**
     * @param keepLast how many complete checkpoints to keep (older ones are deleted after each save); at least 1
     */
    public CheckpointStore(String root, int keepLast, Configuration conf) {
        if (keepLast < 1) {
            throw new IllegalArgumentException("keep_last must be at least 1, got " + keepLast);
        }
        this.conf = conf;
        this.fs = CheckpointFiles.fileSystem(new Path(root), conf);
        this.root = fs.makeQualified(new Path(root));
        this.keepLast = keepLast;
    }

    public Path root() {
        return root;
    }

    public static String stepName(long step) {
        return String.format("step-%09d", step);
    }

    /**
     * Saves a checkpoint for {@code step}: writes it atomically, points {@code latest} at it, then prunes to the
     * last K. The trainer state gets {@code "step": step} if it lacks one.
     */
    public Path save(long step, NativeCheckpoint.Contents contents) {
        ObjectNode state = contents.trainerState() == null ? io.gemmaspark.util.Json.MAPPER.createObjectNode()
                : contents.trainerState().deepCopy();
        if (!state.has("step")) {
            state.put("step", step);
        }
        NativeCheckpoint.Contents withStep = new NativeCheckpoint.Contents(contents.config(), contents.parameters(),
                contents.parameterDtype(), contents.updaterState(), state, contents.tokenizerModel());
        Path saved = NativeCheckpoint.write(new Path(root, stepName(step)).toString(), withStep, conf, true);
        writeLatest(saved.getName());
        prune(step);
        return saved;
    }

    /** Committed checkpoint directories, oldest step first (not verified). */
    public List<Path> completeCheckpoints() {
        List<Path> complete = new ArrayList<>();
        for (FileStatus status : list()) {
            if (status.isDirectory() && STEP_DIR.matcher(status.getPath().getName()).matches()
                    && AtomicOutput.isComplete(status.getPath().toString(), conf)) {
                complete.add(status.getPath());
            }
        }
        complete.sort(Comparator.comparingLong(CheckpointStore::stepOf));
        return complete;
    }

    /** The checkpoint {@code latest} names, if the file exists. */
    public Optional<Path> latestPointer() {
        Path pointer = new Path(root, LATEST);
        if (!CheckpointFiles.exists(pointer, conf)) {
            return Optional.empty();
        }
        String name = CheckpointFiles.readString(pointer, conf).trim();
        return name.isEmpty() || name.contains("/") ? Optional.empty() : Optional.of(new Path(root, name));
    }

    /**
     * The newest checkpoint that verifies: the one {@code latest} names, else each older complete one in turn.
     * Every checkpoint skipped is logged as a warning naming the problem; empty when none is usable.
     */
    public Optional<Path> latestValid() {
        List<Path> candidates = new ArrayList<>();
        latestPointer().ifPresent(candidates::add);
        List<Path> complete = completeCheckpoints();
        for (int i = complete.size() - 1; i >= 0; i--) {
            if (!candidates.contains(complete.get(i))) {
                candidates.add(complete.get(i));
            }
        }
        for (Path candidate : candidates) {
            try {
                NativeCheckpoint.verify(candidate, conf);
                if (!candidate.equals(candidates.get(0))) {
                    LOG.warn("resuming from older checkpoint {}", candidate);
                }
                return Optional.of(candidate);
            } catch (CheckpointFormatException e) {
                LOG.warn("skipping checkpoint: {}", e.getMessage());
            }
        }
        return Optional.empty();
    }

    /**
     * The model directory {@code path} refers to: a checkpoint store root (its newest valid checkpoint), a
     * native checkpoint (verified), or a Hugging Face model directory.
     */
    public static Path resolveModelDirectory(String path, Configuration conf) {
        Path dir = new Path(path);
        if (CheckpointFiles.exists(new Path(dir, LATEST), conf)) {
            return new CheckpointStore(path, 1, conf).latestValid().orElseThrow(() -> new CheckpointFormatException(
                    path + ": no valid checkpoint in this checkpoint directory (see the warnings above)"));
        }
        if (NativeCheckpoint.isNative(dir, conf)) {
            NativeCheckpoint.verify(dir, conf);
            return dir;
        }
        if (CheckpointFiles.exists(new Path(dir, HfConfigJson.FILE_NAME), conf)) {
            return dir;
        }
        throw new CheckpointFormatException(path + ": not a model directory (no config.json, manifest.json or "
                + LATEST + ")");
    }

    private void writeLatest(String name) {
        Path pointer = new Path(root, LATEST);
        Path temp = new Path(root, "." + LATEST + ".tmp");
        CheckpointFiles.writeString(temp, name + "\n", conf);
        try {
            // HDFS rename does not replace, so delete first; a crash in between only loses the hint,
            // and latestValid() then scans the step directories.
            fs.delete(pointer, false);
            if (!fs.rename(temp, pointer)) {
                throw new IOException("rename " + temp + " -> " + pointer + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot update " + pointer, e);
        }
    }

    /** Deletes all but the newest {@code keepLast} complete checkpoints, and abandoned temporary saves before {@code step}. */
    private void prune(long step) {
        List<Path> complete = completeCheckpoints();
        try {
            for (int i = 0; i < complete.size() - keepLast; i++) {
                fs.delete(complete.get(i), true);
                LOG.info("pruned checkpoint {}", complete.get(i).getName());
            }
            for (FileStatus status : list()) {
                Matcher temp = TEMP_STEP_DIR.matcher(status.getPath().getName());
                if (temp.matches() && Long.parseLong(temp.group(1)) < step) {
                    fs.delete(status.getPath(), true);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prune checkpoints under " + root, e);
        }
    }

    private FileStatus[] list() {
        try {
            return fs.exists(root) ? fs.listStatus(root) : new FileStatus[0];
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
    }

    private static long stepOf(Path dir) {
        Matcher m = STEP_DIR.matcher(dir.getName());
        if (!m.matches()) {
            throw new IllegalArgumentException(dir + " is not a step directory");
        }
        return Long.parseLong(m.group(1));
    }
}
