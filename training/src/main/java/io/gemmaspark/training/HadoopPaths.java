package io.gemmaspark.training;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Small Hadoop file-system questions the training jobs share. */
public final class HadoopPaths {
    private HadoopPaths() {
    }

    /** The fully qualified URI of {@code path}, or null for null. */
    public static String absolute(String path, Configuration conf) {
        if (path == null) {
            return null;
        }
        try {
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(conf);
            return fs.makeQualified(p).toUri().toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static boolean exists(String path, Configuration conf) {
        try {
            Path p = new Path(path);
            return p.getFileSystem(conf).exists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
