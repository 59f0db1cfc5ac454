package io.gemmaspark.jobs.prepare;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.hadoop.io.compress.CompressionInputStream;
import org.apache.hadoop.io.compress.CompressionOutputStream;
import org.apache.hadoop.io.compress.Compressor;
import org.apache.hadoop.io.compress.Decompressor;

/**
 * Reads and writes {@code .zst} files with zstd-jni, which Spark already ships. Hadoop's own ZStandardCodec
 * needs the native libhadoop, which a laptop or a plain container rarely has.
 */
public final class ZstdCodec implements CompressionCodec {
    /** The codecs Hadoop lists by default, with this one standing in for ZStandardCodec. */
    private static final String CODECS = String.join(",",
            "org.apache.hadoop.io.compress.DefaultCodec", "org.apache.hadoop.io.compress.GzipCodec",
            "org.apache.hadoop.io.compress.BZip2Codec", "org.apache.hadoop.io.compress.Lz4Codec",
            "org.apache.hadoop.io.compress.SnappyCodec", ZstdCodec.class.getName());

    /** Makes {@code .zst} readable through {@link CompressionCodecFactory} and Hadoop input formats. */
    public static void register(Configuration conf) {
        conf.set("io.compression.codecs", CODECS);
    }

    @Override
    public CompressionOutputStream createOutputStream(OutputStream out) throws IOException {
        ZstdOutputStream zstd = new ZstdOutputStream(out);
        return new CompressionOutputStream(zstd) {
            @Override
            public void write(int b) throws IOException {
                zstd.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                zstd.write(b, off, len);
            }

            @Override
            public void finish() throws IOException {
                zstd.flush();
            }

            @Override
            public void resetState() {
            }
        };
    }

    @Override
    public CompressionOutputStream createOutputStream(OutputStream out, Compressor compressor) throws IOException {
        return createOutputStream(out);
    }

    @Override
    public Class<? extends Compressor> getCompressorType() {
        return null;
    }

    @Override
    public Compressor createCompressor() {
        return null;
    }

    @Override
    public CompressionInputStream createInputStream(InputStream in) throws IOException {
        ZstdInputStream zstd = new ZstdInputStream(in);
        return new CompressionInputStream(zstd) {
            @Override
            public int read() throws IOException {
                return zstd.read();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return zstd.read(b, off, len);
            }

            @Override
            public void resetState() {
            }
        };
    }

    @Override
    public CompressionInputStream createInputStream(InputStream in, Decompressor decompressor) throws IOException {
        return createInputStream(in);
    }

    @Override
    public Class<? extends Decompressor> getDecompressorType() {
        return null;
    }

    @Override
    public Decompressor createDecompressor() {
        return null;
    }

    @Override
    public String getDefaultExtension() {
        return ".zst";
    }
}
