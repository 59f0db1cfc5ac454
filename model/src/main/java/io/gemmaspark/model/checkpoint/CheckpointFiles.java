package io.gemmaspark.model.checkpoint;

import io.gemmaspark.util.Sha256;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * File access for checkpoints on any Hadoop path. Local paths use the raw local file system (no {@code .crc}
 * side files; safetensors are checked by the manifest's SHA-256 instead) and positional reads on a
 * {@link FileChannel}, which fill native memory without a heap copy.
 */
final class CheckpointFiles {
    private static final int COPY_BUFFER = 1 << 20;

    private CheckpointFiles() {
    }

    static FileSystem fileSystem(Path path, Configuration conf) {
        try {
            FileSystem fs = path.getFileSystem(conf);
            return fs instanceof LocalFileSystem local ? local.getRaw() : fs;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reach " + path, e);
        }
    }

    /** Random-access reads of one file. */
    interface ByteSource extends AutoCloseable {
        long length();

        /** Fills {@code dst} from its position to its limit with the bytes at {@code position}. */
        void readFully(long position, ByteBuffer dst) throws IOException;

        @Override
        void close() throws IOException;
    }

    static ByteSource open(Path path, Configuration conf) throws IOException {
        FileSystem fs = fileSystem(path, conf);
        if (fs instanceof RawLocalFileSystem) {
            FileChannel channel = FileChannel.open(Paths.get(fs.makeQualified(path).toUri()), StandardOpenOption.READ);
            return new LocalSource(channel);
        }
        return openStream(fs, path);
    }

    /** Positional reads through a Hadoop stream: the path for hdfs:, s3a: and other non-local file systems. */
    static ByteSource openStream(FileSystem fs, Path path) throws IOException {
        return new HadoopSource(fs.open(path), fs.getFileStatus(path).getLen());
    }

    private record LocalSource(FileChannel channel) implements ByteSource {
        @Override
        public long length() {
            try {
                return channel.size();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void readFully(long position, ByteBuffer dst) throws IOException {
            long at = position;
            while (dst.hasRemaining()) {
                int n = channel.read(dst, at);
                if (n < 0) {
                    throw new EOFException("end of file at byte " + at);
                }
                at += n;
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    private static final class HadoopSource implements ByteSource {
        private final FSDataInputStream in;
        private final long length;
        private byte[] staging = new byte[0];

        HadoopSource(FSDataInputStream in, long length) {
            this.in = in;
            this.length = length;
        }

        @Override
        public long length() {
            return length;
        }

        @Override
        public void readFully(long position, ByteBuffer dst) throws IOException {
            int n = dst.remaining();
            if (dst.hasArray()) {
                in.readFully(position, dst.array(), dst.arrayOffset() + dst.position(), n);
                dst.position(dst.limit());
                return;
            }
            if (staging.length < n) {
                staging = new byte[n];
            }
            in.readFully(position, staging, 0, n);
            dst.put(staging, 0, n);
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    static boolean exists(Path path, Configuration conf) {
        try {
            return fileSystem(path, conf).exists(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check " + path, e);
        }
    }

    static long length(Path path, Configuration conf) {
        try {
            return fileSystem(path, conf).getFileStatus(path).getLen();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stat " + path, e);
        }
    }

    static String readString(Path path, Configuration conf) {
        FileSystem fs = fileSystem(path, conf);
        try (InputStream in = fs.open(path)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    static void writeString(Path path, String text, Configuration conf) {
        FileSystem fs = fileSystem(path, conf);
        try (OutputStream out = fs.create(path, true)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path, e);
        }
    }

    static void copy(Path from, Path to, Configuration conf) {
        try (InputStream in = fileSystem(from, conf).open(from);
             OutputStream out = fileSystem(to, conf).create(to, true)) {
            in.transferTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + from + " to " + to, e);
        }
    }

    /** Lower-case hex SHA-256 of a file's bytes. */
    static String sha256(Path path, Configuration conf) {
        try (InputStream in = fileSystem(path, conf).open(path)) {
            return Sha256.hex(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }
}
