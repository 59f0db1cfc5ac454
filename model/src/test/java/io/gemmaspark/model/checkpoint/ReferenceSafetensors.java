package io.gemmaspark.model.checkpoint;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * A minimal safetensors writer for tests, written from the format description independently of the
 * production writer: header JSON built by hand, tensors laid out in order, values given as raw bit patterns
 * so that the expected float32 values are exact.
 */
final class ReferenceSafetensors {
    /** One tensor: its dtype name as it appears in the header, its shape and its little-endian bytes. */
    record Tensor(String dtype, long[] shape, byte[] bytes) {
    }

    private final LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();

    ReferenceSafetensors add(String name, Tensor tensor) {
        tensors.put(name, tensor);
        return this;
    }

    static Tensor f32(long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putInt(Float.floatToRawIntBits(v));
        }
        return new Tensor("F32", shape, b.array());
    }

    /** BF16 of values that are exactly representable (their low 16 bits are zero). */
    static Tensor bf16(long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            int bits = Float.floatToRawIntBits(v);
            if ((bits & 0xffff) != 0) {
                throw new IllegalArgumentException(v + " is not a bfloat16 value");
            }
            b.putShort((short) (bits >>> 16));
        }
        return new Tensor("BF16", shape, b.array());
    }

    /** F16 from raw half bit patterns. */
    static Tensor f16(long[] shape, short[] halves) {
        ByteBuffer b = ByteBuffer.allocate(halves.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short h : halves) {
            b.putShort(h);
        }
        return new Tensor("F16", shape, b.array());
    }

    /** Random floats rounded down to bfloat16 precision, so both F32 and BF16 files hold them exactly. */
    static float[] bf16Values(long count, Random random, double std) {
        float[] values = new float[Math.toIntExact(count)];
        for (int i = 0; i < values.length; i++) {
            float v = (float) (random.nextGaussian() * std);
            values[i] = Float.intBitsToFloat(Float.floatToRawIntBits(v) & 0xffff0000);
        }
        return values;
    }

    String header() {
        StringBuilder json = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            String shape = Arrays.stream(t.shape()).mapToObj(Long::toString).collect(Collectors.joining(","));
            json.append(",\"").append(e.getKey()).append("\":{\"dtype\":\"").append(t.dtype())
                    .append("\",\"shape\":[").append(shape).append("],\"data_offsets\":[").append(offset).append(',')
                    .append(offset + t.bytes().length).append("]}");
            offset += t.bytes().length;
        }
        return json.append('}').toString();
    }

    byte[] bytes() {
        return bytes(header());
    }

    /** The file with a given header text (for corrupt-header tests), followed by every tensor's data. */
    byte[] bytes(String header) {
        byte[] headerBytes = header.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerBytes.length).array());
        out.writeBytes(headerBytes);
        tensors.values().forEach(t -> out.writeBytes(t.bytes()));
        return out.toByteArray();
    }

    void writeTo(Path file) {
        try {
            Files.write(file, bytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
