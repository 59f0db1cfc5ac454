package io.gemmaspark.util;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * An output directory that appears complete or not at all. Work is written under a hidden temporary sibling;
 * {@link #commit()} writes {@code _SUCCESS} there and renames it into place. A job that fails or is killed
 * leaves only the hidden temporary directory, which never looks like finished output.
 *
 * <pre>{@code
 * try (AtomicOutput out = AtomicOutput.begin("hdfs:///corpora/clean", hadoopConf, true)) {
 *     write(out.tempPath());
 *     out.commit();
 * }
 * }</pre>
 */
public final class AtomicOutput implements AutoCloseable {
    public static final String SUCCESS_MARKER = "_SUCCESS";

    private final FileSystem fs;
    private final Path finalPath;
    private final Path tempPath;
    private final boolean keepOnFailure;
    private boolean committed;

    private AtomicOutput(FileSystem fs, Path finalPath, Path tempPath, boolean keepOnFailure) {
        this.fs = fs;
        this.finalPath = finalPath;
        this.tempPath = tempPath;
        this.keepOnFailure = keepOnFailure;
    }

    /**
     * Starts writing {@code target}. An existing complete output is replaced only when {@code overwrite} is set.
     */
    public static AtomicOutput begin(String target, Configuration conf, boolean overwrite) {
        return open(target, conf, overwrite, ".tmp-" + UUID.randomUUID().toString().substring(0, 8), false, false);
    }

    /**
     * Starts writing {@code target} in a temporary directory with a fixed name ({@code .NAME.partial}) that a failed
     * or killed run leaves behind, so that a rerun can continue from the work already in it. With {@code resume}
     * false, what an earlier run left there is deleted first. The final output still appears only on
     * {@link #commit()}; two runs must not write the same target at the same time.
     */
    public static AtomicOutput beginResumable(String target, Configuration conf, boolean overwrite, boolean resume) {
        return open(target, conf, overwrite, ".partial", true, !resume);
    }

    private static AtomicOutput open(String target, Configuration conf, boolean overwrite, String tempSuffix,
                                     boolean keepOnFailure, boolean clearTemp) {
        try {
            Path finalPath = new Path(target);
            FileSystem fs = finalPath.getFileSystem(conf);
            finalPath = fs.makeQualified(finalPath);
            if (fs.exists(finalPath) && !overwrite) {
                throw new UserError(target + ": output already exists (pass --overwrite or choose another --out)");
            }
            Path temp = new Path(finalPath.getParent(), "." + finalPath.getName() + tempSuffix);
            if (clearTemp && fs.exists(temp)) {
                fs.delete(temp, true);
            }
            fs.mkdirs(temp);
            return new AtomicOutput(fs, finalPath, temp, keepOnFailure);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare output " + target, e);
        }
    }

    /** True when {@code dir} holds a committed output. */
    public static boolean isComplete(String dir, Configuration conf) {
        try {
            Path path = new Path(dir);
            return path.getFileSystem(conf).exists(new Path(path, SUCCESS_MARKER));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path tempPath() {
        return tempPath;
    }

    public String tempUri() {
        return tempPath.toString();
    }

    public Path finalPath() {
        return finalPath;
    }

    public FileSystem fileSystem() {
        return fs;
    }

    public void commit() {
        try {
            fs.create(new Path(tempPath, SUCCESS_MARKER), true).close();
            if (fs.exists(finalPath)) {
                fs.delete(finalPath, true);
            }
            if (!fs.rename(tempPath, finalPath)) {
                throw new IOException("rename " + tempPath + " -> " + finalPath + " failed");
            }
            committed = true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot commit output " + finalPath, e);
        }
    }

    @Override
    public void close() {
        if (!committed && !keepOnFailure) {
            try {
                fs.delete(tempPath, true);
            } catch (IOException ignored) {
                // The temporary directory is hidden and never mistaken for output; leaving it is harmless.
            }
        }
    }
}
