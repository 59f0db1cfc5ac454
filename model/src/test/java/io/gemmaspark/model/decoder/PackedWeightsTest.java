package io.gemmaspark.model.decoder;

import static io.gemmaspark.model.decoder.ProductReference.assertAccumulatesIntoStridedViews;
import static io.gemmaspark.model.decoder.ProductReference.assertClose;
import static io.gemmaspark.model.decoder.ProductReference.gaussian;
import static io.gemmaspark.model.decoder.ProductReference.product;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Packed decode products against products summed in double by plain loops over the same numbers, for each
 * {@link PanelKernel} that runs here, and the kernels against each other bit for bit.
 */
class PackedWeightsTest {

    /** The kernels to test: Java always; native wherever it loaded (see {@link #theNativeKernelLoadsWhereBuilt}). */
    static List<PanelKernel> kernels() {
        return Arrays.stream(PanelKernel.values()).filter(PanelKernel::available).toList();
    }

    @Test
    void theNativeKernelLoadsWhereBuilt() {
        assumeTrue(NativePanelKernel.class.getResource(NativePanelKernel.LIBRARY) != null,
                "the build compiled no native panel kernel (no C compiler)");
        List<String> flags = processorFlags();
        assumeTrue(flags.contains("avx2") && flags.contains("fma"), "no AVX2 with FMA here: " + flags);
        assertNull(NativePanelKernel.unavailableReason());
        assertEquals(PanelKernel.NATIVE, PanelKernel.preferred());
        // The build the kernel picked by its own CPUID check is the one Linux's flags call for: AVX-512 where present.
        assertEquals(flags.contains("avx512f") ? "avx512" : "avx2", NativePanelKernel.instructionSet());
    }

    /** The first processor's flags as Linux reports them, or none elsewhere. */
    private static List<String> processorFlags() {
        try (var lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(line -> line.startsWith("flags")).findFirst()
                    .map(line -> List.of(line.substring(line.indexOf(':') + 1).trim().split("\\s+")))
                    .orElse(List.of());
        } catch (IOException e) {
            return List.of();
        }
    }

    @Test
    void thePropertyPicksTheKernelAndAnUnknownOneIsNamedInTheError() {
        String before = System.getProperty(PanelKernel.PROPERTY);
        try {
            System.setProperty(PanelKernel.PROPERTY, "java");
            assertEquals(PanelKernel.JAVA, PanelKernel.preferred());
            System.setProperty(PanelKernel.PROPERTY, "cuda");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, PanelKernel::preferred);
            assertTrue(e.getMessage().contains("-Dgemma.panel-kernel=cuda"), e.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty(PanelKernel.PROPERTY);
            } else {
                System.setProperty(PanelKernel.PROPERTY, before);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void matchesADoubleLoopForEveryRowCountAndOutputsThatDoNotFillAPanel(PanelKernel kernel) {
        assertTrue(HostKernels.VECTOR_MODULE, "surefire's argLine must pass --add-modules=jdk.incubator.vector");
        Random random = new Random(7);
        // rows 1..32 through the 16-, 8- and 1-row kernels, with padding rows; outputs short of, equal to and past a
        // panel of 16 or 32.
        int[][] shapes = {{1, 7, 3}, {2, 16, 32}, {3, 48, 37}, {5, 64, 8}, {8, 33, 64}, {11, 96, 41},
            {16, 512, 640}, {16, 2048, 96}, {17, 64, 48}, {24, 30, 20}, {31, 40, 100}, {32, 128, 130}};
        for (int[] shape : shapes) {
            int rows = shape[0], in = shape[1], out = shape[2];
            float[][] x = gaussian(random, rows, in);
            float[][] w = gaussian(random, out, in);
            INDArray y = Nd4j.zeros(DataType.FLOAT, rows, out);
            PackedWeights.pack(Nd4j.create(w), kernel).multiply(Nd4j.create(x), y, false);
            assertClose(product(x, w, null), y, in, kernel + ", shape " + Arrays.toString(shape));
        }
    }

    @Test
    void theNativeAndJavaKernelsGiveTheSameBitsForEveryRowCount() {
        assumeTrue(PanelKernel.NATIVE.available(), "no native panel kernel here");
        Random random = new Random(11);
        int in = 300, out = 70;
        INDArray w = Nd4j.create(gaussian(random, out, in));
        PackedWeights java = PackedWeights.pack(w, PanelKernel.JAVA);
        PackedWeights nativeKernel = PackedWeights.pack(w, PanelKernel.NATIVE);
        for (int rows = 1; rows <= java.maxRows(); rows++) {
            INDArray x = Nd4j.create(gaussian(random, rows, in));
            INDArray fromJava = Nd4j.zeros(DataType.FLOAT, rows, out);
            INDArray fromNative = Nd4j.zeros(DataType.FLOAT, rows, out);
            java.multiply(x, fromJava, false);
            nativeKernel.multiply(x, fromNative, false);
            assertArrayEquals(bits(fromJava), bits(fromNative), rows + " rows");
        }
    }

    private static int[] bits(INDArray a) {
        float[] values = a.dup().data().asFloat();
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }

    @Test
    void theNativeKernelRefusesBoundsThatDoNotFitItsArrays() {
        assumeTrue(PanelKernel.NATIVE.available(), "no native panel kernel here");
        float[] x = new float[8 * 4];
        float[] panels = new float[32 * 4];
        float[] y = new float[8 * 32];
        NativePanelKernel.columns(x, 8, 4, panels, 0, 32, y, 32);   // fits
        assertThrows(IllegalArgumentException.class, () -> NativePanelKernel.columns(x, 8, 4, panels, 0, 48, y, 48));
        assertThrows(IllegalArgumentException.class, () -> NativePanelKernel.columns(x, 16, 4, panels, 0, 32, y, 32));
        assertThrows(IllegalArgumentException.class, () -> NativePanelKernel.columns(x, 3, 4, panels, 0, 32, y, 32));
        assertThrows(IllegalArgumentException.class, () -> NativePanelKernel.columns(x, 8, 4, panels, 8, 32, y, 32));
    }

    @Test
    void packsAStridedViewAndAccumulatesIntoOneLeavingItsNeighboursAlone() {
        assertAccumulatesIntoStridedViews((x, w, y) -> PackedWeights.pack(w).multiply(x, y, true));
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void aRowsProductsAreTheSameBitsAloneAndAmongAnyOtherRows(PanelKernel kernel) {
        Random random = new Random(5);
        int in = 512, out = 300;
        float[][] x = gaussian(random, 16, in);
        PackedWeights w = PackedWeights.pack(Nd4j.create(gaussian(random, out, in)), kernel);
        INDArray sixteen = Nd4j.zeros(DataType.FLOAT, 16, out);
        w.multiply(Nd4j.create(x), sixteen, false);
        // Row 9 goes through the 8-row kernel among sixteen and among five (padded to eight), and through the 1-row
        // one alone and as the last of eleven (eight, then three one at a time).
        INDArray alone = Nd4j.zeros(DataType.FLOAT, 1, out);
        w.multiply(Nd4j.create(new float[][] {x[9]}), alone, false);
        INDArray five = Nd4j.zeros(DataType.FLOAT, 5, out);
        w.multiply(Nd4j.create(new float[][] {x[0], x[1], x[2], x[3], x[9]}), five, false);
        float[][] elevenRows = Arrays.copyOf(x, 11);
        elevenRows[10] = x[9];
        INDArray eleven = Nd4j.zeros(DataType.FLOAT, 11, out);
        w.multiply(Nd4j.create(elevenRows), eleven, false);
        // A prefill chunk's rows, where the kernel takes that many (the native one): row 9 as row 57 of 100.
        INDArray hundred = null;
        if (w.maxRows() >= 100) {
            float[][] hundredRows = new float[100][];
            for (int r = 0; r < 100; r++) {
                hundredRows[r] = x[r % 16];
            }
            hundredRows[57] = x[9];
            hundred = Nd4j.zeros(DataType.FLOAT, 100, out);
            w.multiply(Nd4j.create(hundredRows), hundred, false);
        }
        for (int c = 0; c < out; c++) {
            int bits = Float.floatToIntBits(sixteen.getFloat(9, c));
            assertEquals(bits, Float.floatToIntBits(alone.getFloat(0, c)), "alone, column " + c);
            if (hundred != null) {
                assertEquals(bits, Float.floatToIntBits(hundred.getFloat(57, c)), "58th of a hundred, column " + c);
            }
            assertEquals(bits, Float.floatToIntBits(five.getFloat(4, c)), "fifth of five, column " + c);
            assertEquals(bits, Float.floatToIntBits(eleven.getFloat(10, c)), "last of eleven, column " + c);
        }
    }

    @Test
    void moreRowsThanThePackedKernelTakesAreRefused() {
        PackedWeights w = PackedWeights.pack(Nd4j.rand(DataType.FLOAT, 8, 16));
        int rows = w.maxRows() + 1;
        assertThrows(IllegalArgumentException.class,
                () -> w.multiply(Nd4j.rand(DataType.FLOAT, rows, 16), Nd4j.zeros(DataType.FLOAT, rows, 8), false));
    }

    @Test
    void decoderProductsComeFromPackedCopiesWithinTheLimitAndFromTheWeightsAsGivenOtherwise() {
        DecoderTensors p = DecoderTestSupport.randomDecoder(DecoderTestSupport.tinyConfig(4, 1, 2), DataType.FLOAT,
                0.5, 3).tensors();
        long bytes = BlockKernels.packedBytes(p, PanelKernel.preferred());
        assertFalse(BlockKernels.forDecoding(p, bytes - 1).packed());
        BlockKernels packed = BlockKernels.forDecoding(p, bytes);
        assertTrue(packed.packed());
        assertFalse(BlockKernels.TRAINING.packed());

        Random random = new Random(9);
        INDArray w = p.blocks.get(1).down();
        PackedWeights direct = PackedWeights.pack(w);
        int most = direct.maxRows();
        for (int rows : new int[] {1, 2, 16, 33, most, most + 1}) {
            INDArray x = Nd4j.create(gaussian(random, rows, (int) w.columns()));
            INDArray given = Kernels.linear(x, w);
            INDArray fromPacked = packed.linear(x, w);
            assertEquals(0, given.sub(fromPacked).amaxNumber().doubleValue(), 1e-5, rows + " rows");
            // More than the kernel takes: BLAS on the weights as given; else the packed copy.
            boolean asGiven = rows > most;
            INDArray expected = given;
            if (!asGiven) {
                expected = Nd4j.zeros(DataType.FLOAT, rows, w.rows());
                direct.multiply(x, expected, false);
            }
            assertTrue(Arrays.equals(expected.data().asFloat(), fromPacked.data().asFloat()), rows + " rows");
        }
        // Logits as heap rows: the same bits as the product into an array, packed or not.
        INDArray embed = p.embed;
        for (int rows : new int[] {1, 2, 5, 16, 40, most + 1}) {
            INDArray x = Nd4j.create(gaussian(random, rows, (int) embed.columns()));
            float[][] heapRows = new float[rows][(int) embed.rows()];
            for (float[] row : heapRows) {
                Arrays.fill(row, Float.NaN);   // reused rows hold the last step's logits: every float is written
            }
            packed.linearRows(x, embed, heapRows);
            INDArray intoArray = packed.linear(x, embed);
            assertEquals(rows, heapRows.length);
            for (int r = 0; r < rows; r++) {
                float[] expected = intoArray.getRow(r).dup().data().asFloat();
                assertTrue(Arrays.equals(expected, heapRows[r]), rows + " rows, row " + r);
            }
        }
        // A weight that was not packed (a gradient of the same shape, say) goes to the weights as given.
        INDArray other = w.dup();
        INDArray x = Nd4j.create(gaussian(random, 4, (int) w.columns()));
        assertTrue(Arrays.equals(Kernels.linear(x, other).data().asFloat(), packed.linear(x, other).data().asFloat()));
    }
}
