package io.gemmaspark.model.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Writes one safetensors file from {@link TensorSource}s, pulling each tensor in chunks and narrowing to the
 * requested dtype on the way, so that saving or converting a model never holds a second copy of it. Tensors
 * are laid out contiguously in the order given; the header is padded with spaces to a multiple of 8 bytes
 * and carries {@code "format": "pt"} metadata, which Hugging Face loaders expect.
 */
public final class SafetensorsWriter {
    private static final ObjectMapper COMPACT_JSON = new ObjectMapper();

    private SafetensorsWriter() {
    }

    /** Bytes the data of {@code tensors} takes in {@code dtype}. */
    public static long dataBytes(Map<String, ? extends TensorSource> tensors, TensorDtype dtype) {
        long total = 0;
        for (TensorSource tensor : tensors.values()) {
            total = Math.addExact(total, Math.multiplyExact(tensor.elementCount(), dtype.bytes()));
        }
        return total;
    }

    /**
     * Writes {@code tensors} (in iteration order) to {@code path} as {@code dtype}.
     *
     * @return the number of bytes written
     */
    public static long write(Path path, Map<String, ? extends TensorSource> tensors, TensorDtype dtype,
                             Map<String, String> metadata, Configuration conf) {
        byte[] header = header(tensors, dtype, metadata);
        long written = 0;
        try (OutputStream out = CheckpointFiles.fileSystem(path, conf).create(path, true)) {
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length);
            out.write(length.array());
            out.write(header);
            written += 8 + header.length;
            ByteBuffer floats = ByteBuffer.allocate(SafetensorsFile.CHUNK_ELEMENTS * Float.BYTES)
                    .order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer narrowed = dtype == TensorDtype.F32 ? null
                    : ByteBuffer.allocate(SafetensorsFile.CHUNK_ELEMENTS * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
            for (Map.Entry<String, ? extends TensorSource> tensor : tensors.entrySet()) {
                long total = tensor.getValue().elementCount();
                for (long done = 0; done < total; ) {
                    int n = (int) Math.min(SafetensorsFile.CHUNK_ELEMENTS, total - done);
                    floats.clear();
                    tensor.getValue().readFloats(done, n, floats);
                    floats.flip();
                    if (narrowed == null) {
                        out.write(floats.array(), 0, floats.limit());
                    } else {
                        narrowed.clear();
                        dtype.encode(floats, narrowed, n);
                        out.write(narrowed.array(), 0, narrowed.position());
                    }
                    written += (long) n * dtype.bytes();
                    done += n;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path, e);
        }
        return written;
    }

    private static byte[] header(Map<String, ? extends TensorSource> tensors, TensorDtype dtype,
                                 Map<String, String> metadata) {
        ObjectNode root = COMPACT_JSON.createObjectNode();
        ObjectNode meta = root.putObject("__metadata__");
        meta.put("format", "pt");
        metadata.forEach(meta::put);
        long offset = 0;
        for (Map.Entry<String, ? extends TensorSource> tensor : tensors.entrySet()) {
            long bytes = Math.multiplyExact(tensor.getValue().elementCount(), dtype.bytes());
            ObjectNode entry = root.putObject(tensor.getKey());
            entry.put("dtype", dtype.name());
            ArrayNode shape = entry.putArray("shape");
            for (long d : tensor.getValue().shape()) {
                shape.add(d);
            }
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json;
        try {
            json = COMPACT_JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int padded = (json.length + 7) / 8 * 8;
        byte[] header = new byte[padded];
        System.arraycopy(json, 0, header, 0, json.length);
        for (int i = json.length; i < padded; i++) {
            header[i] = ' ';
        }
        return header;
    }
}
