package io.gemmaspark.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class SafetensorsFileTest {
    @TempDir
    Path dir;

    private final Configuration conf = new Configuration();

    private SafetensorsFile open(Path file) {
        return SafetensorsFile.open(new org.apache.hadoop.fs.Path(file.toUri()), conf);
    }

    private static float[] floats(INDArray array) {
        return array.dup().data().asFloat();
    }

    @Test
    void readsF32Bf16AndF16WrittenByAnIndependentWriter() {
        Random random = new Random(1);
        float[] a = ReferenceSafetensors.bf16Values(12, random, 1.0);
        float[] b = ReferenceSafetensors.bf16Values(5, random, 0.1);
        // Halves covering sign, zero, subnormal, normal, max and infinity.
        short[] halves = {0x0000, (short) 0x8000, 0x0001, 0x03ff, 0x0400, 0x3c00, (short) 0xc000, 0x7bff, 0x7c00};
        float[] halfValues = {0f, -0f, 0x1p-24f, 1023 * 0x1p-24f, 0x1p-14f, 1f, -2f, 65504f, Float.POSITIVE_INFINITY};
        Path file = dir.resolve("mixed.safetensors");
        new ReferenceSafetensors()
                .add("a", ReferenceSafetensors.f32(new long[] {3, 4}, a))
                .add("b", ReferenceSafetensors.bf16(new long[] {5}, b))
                .add("h", ReferenceSafetensors.f16(new long[] {9}, halves))
                .writeTo(file);
        try (SafetensorsFile st = open(file)) {
            assertEquals(Map.of("format", "pt"), st.metadata());
            assertEquals(java.util.List.of("a", "b", "h"), java.util.List.copyOf(st.tensors().keySet()));
            INDArray ra = Nd4j.createUninitialized(DataType.FLOAT, 3, 4);
            st.readInto("a", ra);
            assertArrayEquals(a, floats(ra));
            INDArray rb = Nd4j.createUninitialized(DataType.FLOAT, 5);
            st.readInto("b", rb);
            assertArrayEquals(b, floats(rb));
            INDArray rh = Nd4j.createUninitialized(DataType.FLOAT, 9);
            st.readInto("h", rh);
            float[] got = floats(rh);
            for (int i = 0; i < halves.length; i++) {
                assertEquals(Float.floatToRawIntBits(halfValues[i]), Float.floatToRawIntBits(got[i]), "half " + i);
            }
        }
    }

    @Test
    void f32RoundTripIsBitExactIncludingSpecialValuesAndLargeTensorsReadInChunks() {
        int n = SafetensorsFile.CHUNK_ELEMENTS * 2 + 12345; // several chunks
        INDArray big = Nd4j.rand(DataType.FLOAT, n).subi(0.5);
        float[] specials = {Float.NaN, Float.intBitsToFloat(0x7fa00001), -0f, Float.MIN_VALUE, -Float.MAX_VALUE,
                Float.NEGATIVE_INFINITY, 1e-40f};
        INDArray special = Nd4j.createFromArray(specials);
        LinkedHashMap<String, TensorSource> tensors = new LinkedHashMap<>();
        tensors.put("big", TensorSource.of(big));
        tensors.put("special", TensorSource.of(special));
        org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(dir.resolve("rt.safetensors").toUri());
        SafetensorsWriter.write(file, tensors, TensorDtype.F32, Map.of(), conf);
        try (SafetensorsFile st = SafetensorsFile.open(file, conf)) {
            INDArray readBig = Nd4j.createUninitialized(DataType.FLOAT, n);
            st.readInto("big", readBig);
            assertEquals(big, readBig);
            assertArrayEquals(toBits(big.data().asFloat()), toBits(readBig.data().asFloat()));
            INDArray readSpecial = Nd4j.createUninitialized(DataType.FLOAT, specials.length);
            st.readInto("special", readSpecial);
            assertArrayEquals(toBits(specials), toBits(readSpecial.data().asFloat()));
        }
    }

    @Test
    void readsIntoViewsOfALargerBufferWithoutTouchingTheirNeighbours() {
        float[] values = {1, 2, 3, 4, 5, 6};
        Path file = dir.resolve("v.safetensors");
        new ReferenceSafetensors().add("t", ReferenceSafetensors.f32(new long[] {2, 3}, values)).writeTo(file);
        INDArray flat = Nd4j.zeros(DataType.FLOAT, 20);
        INDArray view = flat.get(NDArrayIndex.interval(7, 13)).reshape('c', 2, 3);
        try (SafetensorsFile st = open(file)) {
            st.readInto("t", view);
        }
        float[] expected = new float[20];
        System.arraycopy(values, 0, expected, 7, 6);
        assertArrayEquals(expected, flat.data().asFloat());
        // A row-vector parameter array sliced the way DL4J layers slice theirs.
        INDArray row = Nd4j.zeros(DataType.FLOAT, 1, 20);
        INDArray slice = row.get(NDArrayIndex.point(0), NDArrayIndex.interval(3, 9)).reshape('c', 2, 3);
        try (SafetensorsFile st = open(file)) {
            st.readInto("t", slice);
        }
        float[] expectedRow = new float[20];
        System.arraycopy(values, 0, expectedRow, 3, 6);
        assertArrayEquals(expectedRow, row.data().asFloat());
    }

    @Test
    void writesBf16AndF16RoundingToNearestEven() {
        float[] values = {1f, 1.00390625f /* halfway between bf16 1 and 1.0078125: even is 1 */,
                1.01171875f /* halfway: rounds up to 1.015625 */, -3.14159f, 70000f, 0x1p-130f};
        LinkedHashMap<String, TensorSource> tensors = new LinkedHashMap<>();
        tensors.put("x", TensorSource.of(Nd4j.createFromArray(values)));
        for (TensorDtype dtype : new TensorDtype[] {TensorDtype.BF16, TensorDtype.F16}) {
            org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(dir.resolve(dtype + ".safetensors").toUri());
            SafetensorsWriter.write(file, tensors, dtype, Map.of(), conf);
            try (SafetensorsFile st = SafetensorsFile.open(file, conf)) {
                assertEquals(dtype, st.entry("x").dtype());
                INDArray read = Nd4j.createUninitialized(DataType.FLOAT, values.length);
                st.readInto("x", read);
                float[] got = read.data().asFloat();
                float[] expected = dtype == TensorDtype.BF16
                        ? new float[] {1f, 1f, 1.015625f, -3.140625f, 70144f, 0x1p-130f}
                        : new float[] {1f, 1.00390625f, 1.01171875f, -3.140625f, Float.POSITIVE_INFINITY, 0f};
                assertArrayEquals(expected, got, dtype.toString());
            }
        }
    }

    @Test
    void halfConversionRoundTripsEveryHalfAndRoundsFloatsToTheNearestHalf() {
        for (int h = 0; h < 65536; h++) {
            float f = TensorDtype.halfToFloat((short) h);
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(TensorDtype.halfToFloat(TensorDtype.floatToHalf(f))));
            } else {
                assertEquals(h, TensorDtype.floatToHalf(f) & 0xffff, "half 0x" + Integer.toHexString(h));
            }
        }
        Random random = new Random(7);
        for (int i = 0; i < 200_000; i++) {
            float f = Float.intBitsToFloat(random.nextInt());
            if (Float.isNaN(f) || Math.abs(f) > 65504f) {
                continue;
            }
            short h = TensorDtype.floatToHalf(f);
            double error = Math.abs((double) TensorDtype.halfToFloat(h) - f);
            for (int neighbour : new int[] {(h & 0xffff) - 1, (h & 0xffff) + 1}) {
                float other = TensorDtype.halfToFloat((short) neighbour);
                if (!Float.isNaN(other) && !Float.isInfinite(other) && (neighbour & 0x7fff) != 0x7fff) {
                    assertTrue(error <= Math.abs((double) other - f), f + " -> " + TensorDtype.halfToFloat(h));
                }
            }
        }
    }

    // ---- bad input ---------------------------------------------------------------------------------------

    private Path corrupt(String name, byte[] bytes) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        return file;
    }

    private String failure(Path file) {
        return assertThrows(CheckpointFormatException.class, () -> open(file).close()).getMessage();
    }

    private static ReferenceSafetensors twoTensors() {
        return new ReferenceSafetensors()
                .add("model.norm.weight", ReferenceSafetensors.f32(new long[] {4}, new float[] {1, 2, 3, 4}))
                .add("model.embed_tokens.weight", ReferenceSafetensors.f32(new long[] {2, 2}, new float[] {5, 6, 7, 8}));
    }

    @Test
    void rejectsAbsurdHeaderLengthsBeforeAllocatingAnything() throws IOException {
        byte[] bytes = twoTensors().bytes();
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        assertTrue(failure(corrupt("huge.safetensors", bytes)).contains("header length 1099511627776 is outside"));
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -5);
        assertTrue(failure(corrupt("negative.safetensors", bytes)).contains("header length -5"));
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 50_000_000);
        assertTrue(failure(corrupt("long.safetensors", bytes)).contains("truncated: the header claims 50000000 bytes"));
        assertTrue(failure(corrupt("tiny.safetensors", new byte[] {1, 2, 3})).contains("too short"));
    }

    @Test
    void rejectsOffsetsThatDisagreeWithDtypeAndShapeNamingTheTensor() throws IOException {
        ReferenceSafetensors st = twoTensors();
        String header = st.header().replace("\"shape\":[4]", "\"shape\":[5]");
        String message = failure(corrupt("shape.safetensors", st.bytes(header)));
        assertTrue(message.contains("tensor model.norm.weight: data_offsets [0,16] span 16 bytes but F32 [5] needs 20"),
                message);
    }

    @Test
    void rejectsAHeaderClaimingMoreDataThanTheFileHas() throws IOException {
        ReferenceSafetensors st = twoTensors();
        // A huge shape whose offsets are consistent with it: only the file length can expose it.
        String header = st.header().replace("\"shape\":[2,2],\"data_offsets\":[16,32]",
                "\"shape\":[1000000000,1000],\"data_offsets\":[16,4000000000016]");
        String message = failure(corrupt("claims.safetensors", st.bytes(header)));
        assertTrue(message.contains("tensor model.embed_tokens.weight: data_offsets [16,4000000000016] end past the "
                + "32-byte data section"), message);
        String overflow = st.header().replace("\"shape\":[2,2]", "\"shape\":[9223372036854775807,4]");
        assertTrue(failure(corrupt("overflow.safetensors", st.bytes(overflow)))
                .contains("tensor model.embed_tokens.weight: shape is too large"));
    }

    @Test
    void rejectsATruncatedFileNamingTheTensorThatRunsPastTheEnd() throws IOException {
        byte[] whole = twoTensors().bytes();
        String message = failure(corrupt("cut.safetensors", Arrays.copyOf(whole, whole.length - 3)));
        assertTrue(message.contains("tensor model.embed_tokens.weight: data_offsets [16,32] end past the 29-byte "
                + "data section: the file is truncated"), message);
    }

    @Test
    void rejectsUnsupportedDtypesOverlapsGapsAndTrailingBytes() throws IOException {
        ReferenceSafetensors st = twoTensors();
        String f64 = st.header().replace("{\"dtype\":\"F32\",\"shape\":[2,2]", "{\"dtype\":\"F64\",\"shape\":[2,2]");
        assertTrue(failure(corrupt("f64.safetensors", st.bytes(f64)))
                .contains("tensor model.embed_tokens.weight: unsupported dtype F64 (supported: F32, BF16, F16)"));
        String overlap = st.header().replace("[16,32]", "[12,28]");
        assertTrue(failure(corrupt("overlap.safetensors", st.bytes(overlap)))
                .contains("tensor model.embed_tokens.weight: data_offsets [12, 28] overlap tensor model.norm.weight"));
        String gap = st.header().replace("\"shape\":[4],\"data_offsets\":[0,16]", "\"shape\":[3],\"data_offsets\":[0,12]");
        assertTrue(failure(corrupt("gap.safetensors", st.bytes(gap))).contains("leave a gap after byte 12"));
        byte[] trailing = Arrays.copyOf(st.bytes(), st.bytes().length + 8);
        assertTrue(failure(corrupt("trailing.safetensors", trailing)).contains("8 bytes after the last tensor"));
        assertTrue(failure(corrupt("json.safetensors", st.bytes("{\"a\": [")))
                .contains("header is not valid JSON"));
        String dup = "{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[16,32]}}";
        assertTrue(failure(corrupt("dup.safetensors", st.bytes(dup))).contains("Duplicate field 'x'"));
    }

    @Test
    void rejectsDestinationsOfTheWrongShape() throws IOException {
        Path file = corrupt("ok.safetensors", twoTensors().bytes());
        try (SafetensorsFile st = open(file)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> st.readInto("model.norm.weight", Nd4j.zeros(DataType.FLOAT, 5)));
            assertTrue(e.getMessage().contains("tensor model.norm.weight"));
            assertTrue(assertThrows(CheckpointFormatException.class, () -> st.entry("nope")).getMessage()
                    .endsWith("no tensor nope"));
        }
    }

    @Test
    void hadoopStreamsReadTheSameBytesAsLocalChannels() throws IOException {
        byte[] bytes = new byte[3 * 1024 * 1024 + 17];
        new Random(3).nextBytes(bytes);
        Path file = dir.resolve("blob");
        Files.write(file, bytes);
        org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(file.toUri());
        org.apache.hadoop.fs.FileSystem fs = org.apache.hadoop.fs.FileSystem.getLocal(conf);
        try (CheckpointFiles.ByteSource stream = CheckpointFiles.openStream(fs, path);
             CheckpointFiles.ByteSource channel = CheckpointFiles.open(path, conf)) {
            assertEquals(bytes.length, stream.length());
            for (ByteBuffer target : new ByteBuffer[] {ByteBuffer.allocate(1 << 20), ByteBuffer.allocateDirect(1 << 20)}) {
                ByteBuffer expected = ByteBuffer.allocate(1 << 20);
                target.clear().position(5);
                stream.readFully(2_000_001, target);
                channel.readFully(2_000_001, expected.position(5));
                assertEquals(expected.flip().position(5), target.flip().position(5));
            }
            ByteBuffer pastEnd = ByteBuffer.allocate(100);
            assertThrows(IOException.class, () -> stream.readFully(bytes.length - 50, pastEnd));
            assertThrows(IOException.class, () -> channel.readFully(bytes.length - 50, ByteBuffer.allocate(100)));
        }
    }

    private static int[] toBits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }
}
