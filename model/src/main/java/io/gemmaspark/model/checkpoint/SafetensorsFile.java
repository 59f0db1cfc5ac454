package io.gemmaspark.model.checkpoint;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A safetensors file opened for reading: an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and {@code data_offsets}, then the data. Nothing in the header is trusted: its length
 * is bounded, every tensor's byte range must match its dtype and shape and lie inside the file, and the
 * ranges must tile the data section exactly (as the reference implementation requires). Tensors are then
 * read in chunks straight into their destination, widening BF16/F16 on the way.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** The reference implementation's limit; real headers are a few hundred kB. */
    public static final long MAX_HEADER_BYTES = 100L << 20;
    static final int CHUNK_ELEMENTS = 1 << 22;
    private static final ObjectMapper HEADER_JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final String location;
    private final CheckpointFiles.ByteSource source;
    private final long dataStart;
    private final LinkedHashMap<String, TensorEntry> entries;
    private final Map<String, String> metadata;
    private ByteBuffer staging;

    private SafetensorsFile(String location, CheckpointFiles.ByteSource source, long dataStart,
                            LinkedHashMap<String, TensorEntry> entries, Map<String, String> metadata) {
        this.location = location;
        this.source = source;
        this.dataStart = dataStart;
        this.entries = entries;
        this.metadata = metadata;
    }

    public static SafetensorsFile open(Path path, Configuration conf) {
        CheckpointFiles.ByteSource source;
        try {
            source = CheckpointFiles.open(path, conf);
        } catch (IOException e) {
            throw new CheckpointFormatException(path + ": cannot open (" + e.getMessage() + ")", e);
        }
        try {
            return parse(path.toString(), source);
        } catch (RuntimeException | IOException e) {
            closeQuietly(source);
            if (e instanceof CheckpointFormatException cfe) {
                throw cfe;
            }
            throw new CheckpointFormatException(path + ": cannot read the header (" + e.getMessage() + ")", e);
        }
    }

    public static SafetensorsFile open(String path) {
        return open(new Path(path), new Configuration());
    }

    private static SafetensorsFile parse(String location, CheckpointFiles.ByteSource source) throws IOException {
        long fileLength = source.length();
        if (fileLength < 8) {
            throw error(location, "truncated: " + fileLength + " bytes, too short for the 8-byte header length");
        }
        ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        source.readFully(0, lengthBytes);
        long headerLength = lengthBytes.getLong(0);
        if (headerLength < 2 || headerLength > MAX_HEADER_BYTES) {
            throw error(location, "header length " + headerLength + " is outside 2.." + MAX_HEADER_BYTES
                    + " bytes: not a safetensors file, or corrupt");
        }
        if (headerLength > fileLength - 8) {
            throw error(location, "truncated: the header claims " + headerLength + " bytes but only "
                    + (fileLength - 8) + " follow the length");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
        source.readFully(8, headerBytes);
        JsonNode header;
        try {
            header = HEADER_JSON.readTree(new String(headerBytes.array(), StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw error(location, "header is not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (header == null || !header.isObject()) {
            throw error(location, "header is not a JSON object");
        }
        long dataStart = 8 + headerLength;
        long dataLength = fileLength - dataStart;
        LinkedHashMap<String, TensorEntry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getKey().equals("__metadata__")) {
                field.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
            } else {
                TensorEntry entry = parseEntry(location, field.getKey(), field.getValue(), dataLength);
                entries.put(entry.name(), entry);
            }
        }
        checkTiling(location, entries.values(), dataLength);
        return new SafetensorsFile(location, source, dataStart, entries, Collections.unmodifiableMap(metadata));
    }

    private static TensorEntry parseEntry(String location, String name, JsonNode node, long dataLength) {
        String where = "tensor " + name;
        if (!node.isObject()) {
            throw error(location, where + ": header entry is not an object");
        }
        JsonNode dtypeNode = node.get("dtype");
        JsonNode shapeNode = node.get("shape");
        JsonNode offsetsNode = node.get("data_offsets");
        if (dtypeNode == null || !dtypeNode.isTextual() || shapeNode == null || !shapeNode.isArray()
                || offsetsNode == null || !offsetsNode.isArray() || offsetsNode.size() != 2) {
            throw error(location, where + ": header entry needs dtype (string), shape (array) and "
                    + "data_offsets ([begin, end])");
        }
        TensorDtype dtype;
        try {
            dtype = TensorDtype.parse(dtypeNode.asText());
        } catch (IllegalArgumentException e) {
            throw error(location, where + ": " + e.getMessage());
        }
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode dim = shapeNode.get(i);
            if (!dim.canConvertToLong() || !dim.isIntegralNumber() || dim.asLong() < 0) {
                throw error(location, where + ": shape " + shapeNode + " has a dimension that is not a "
                        + "non-negative integer");
            }
            shape[i] = dim.asLong();
            elements = multiply(location, where, elements, shape[i]);
        }
        long bytes = multiply(location, where, elements, dtype.bytes());
        JsonNode b = offsetsNode.get(0);
        JsonNode e = offsetsNode.get(1);
        if (!b.isIntegralNumber() || !e.isIntegralNumber() || !b.canConvertToLong() || !e.canConvertToLong()
                || b.asLong() < 0 || e.asLong() < b.asLong()) {
            throw error(location, where + ": data_offsets " + offsetsNode + " are not 0 <= begin <= end");
        }
        long begin = b.asLong();
        long end = e.asLong();
        if (end - begin != bytes) {
            throw error(location, where + ": data_offsets " + offsetsNode + " span " + (end - begin)
                    + " bytes but " + dtype + " " + Arrays.toString(shape) + " needs " + bytes);
        }
        if (end > dataLength) {
            throw error(location, where + ": data_offsets " + offsetsNode + " end past the " + dataLength
                    + "-byte data section: the file is truncated or the header is wrong");
        }
        return new TensorEntry(name, dtype, shape, begin, end);
    }

    private static long multiply(String location, String where, long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException overflow) {
            throw error(location, where + ": shape is too large (size overflows 64 bits)");
        }
    }

    /** Tensors must cover the data section exactly once: no overlaps, no gaps, no trailing bytes. */
    private static void checkTiling(String location, Iterable<TensorEntry> entries, long dataLength) {
        List<TensorEntry> byOffset = new ArrayList<>();
        entries.forEach(byOffset::add);
        byOffset.sort(Comparator.comparingLong(TensorEntry::begin).thenComparingLong(TensorEntry::end));
        long covered = 0;
        TensorEntry previous = null;
        for (TensorEntry entry : byOffset) {
            if (entry.begin() < covered) {
                throw error(location, "tensor " + entry.name() + ": data_offsets [" + entry.begin() + ", "
                        + entry.end() + "] overlap tensor " + previous.name());
            }
            if (entry.begin() > covered) {
                throw error(location, "tensor " + entry.name() + ": data_offsets [" + entry.begin() + ", "
                        + entry.end() + "] leave a gap after byte " + covered);
            }
            covered = entry.end();
            previous = entry;
        }
        if (covered != dataLength) {
            throw error(location, (dataLength - covered) + " bytes after the last tensor belong to no tensor "
                    + "(header and file length disagree)");
        }
    }

    public String location() {
        return location;
    }

    /** Tensors in header order. */
    public Map<String, TensorEntry> tensors() {
        return Collections.unmodifiableMap(entries);
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public TensorEntry entry(String name) {
        TensorEntry entry = entries.get(name);
        if (entry == null) {
            throw error(location, "no tensor " + name);
        }
        return entry;
    }

    /** Reads tensor {@code name} into {@code destination} (float32, same shape, contiguous), widening as needed. */
    public void readInto(String name, INDArray destination) {
        TensorEntry entry = entry(name);
        NativeFloats.requireContiguousFloats(destination, entry.shape(), name);
        long total = entry.elementCount();
        TensorSource source = source(name);
        try {
            for (long done = 0; done < total; ) {
                int n = (int) Math.min(CHUNK_ELEMENTS, total - done);
                source.readFloats(done, n, NativeFloats.window(destination, done, n));
                done += n;
            }
        } catch (IOException e) {
            throw readError(entry, e);
        }
        NativeFloats.afterHostWrite(destination);
    }

    /** Tensor {@code name} as float32 chunks, for streaming conversion. */
    public TensorSource source(String name) {
        TensorEntry entry = entry(name);
        return new TensorSource() {
            @Override
            public long[] shape() {
                return entry.shape();
            }

            @Override
            public void readFloats(long first, int count, ByteBuffer dst) throws IOException {
                if (first < 0 || count < 0 || first + count > entry.elementCount()) {
                    throw new IndexOutOfBoundsException(name + ": elements [" + first + ", " + (first + count) + ")");
                }
                readElements(entry, first, count, dst);
            }
        };
    }

    private void readElements(TensorEntry entry, long first, int count, ByteBuffer dst) throws IOException {
        TensorDtype dtype = entry.dtype();
        long position = dataStart + entry.begin() + first * dtype.bytes();
        try {
            if (dtype == TensorDtype.F32) {
                ByteBuffer target = dst.slice(dst.position(), count * Float.BYTES);
                source.readFully(position, target);
                dst.position(dst.position() + count * Float.BYTES);
                return;
            }
            ByteBuffer raw = staging(count * dtype.bytes());
            source.readFully(position, raw);
            raw.flip();
            dtype.decode(raw, dst, count);
        } catch (EOFException e) {
            throw readError(entry, e);
        }
    }

    private ByteBuffer staging(int bytes) {
        if (staging == null || staging.capacity() < bytes) {
            staging = ByteBuffer.allocateDirect(Math.max(bytes, CHUNK_ELEMENTS * 2)).order(ByteOrder.LITTLE_ENDIAN);
        }
        staging.clear().limit(bytes);
        return staging;
    }

    private CheckpointFormatException readError(TensorEntry entry, IOException e) {
        String why = e instanceof EOFException ? "the file ended early (truncated after the header was read?)"
                : e.getMessage();
        return error(location, "tensor " + entry.name() + ": cannot read its data: " + why, e);
    }

    static CheckpointFormatException error(String location, String message) {
        return new CheckpointFormatException(location + ": " + message);
    }

    static CheckpointFormatException error(String location, String message, Throwable cause) {
        return new CheckpointFormatException(location + ": " + message, cause);
    }

    @Override
    public void close() {
        try {
            source.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void closeQuietly(CheckpointFiles.ByteSource source) {
        try {
            source.close();
        } catch (IOException ignored) {
            // Already failing with a clearer error.
        }
    }
}
