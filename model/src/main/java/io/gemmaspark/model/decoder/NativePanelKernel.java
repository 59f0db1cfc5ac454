package io.gemmaspark.model.decoder;

import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.Reference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link PanelKernel#NATIVE}: the JNI library {@code model/src/main/c/build.sh} compiles into the classes, copied out
 * of the class path (a jar on a Spark executor, say) into a temporary file and loaded once per JVM. It holds a build
 * for AVX-512 and one for AVX2 with FMA, and runs the one this processor has ({@link #instructionSet()}).
 */
final class NativePanelKernel {
    static final String LIBRARY = "/native/linux-x86_64/libgemma_panel_kernel.so";
    private static final String UNAVAILABLE = load();
    private static final String INSTRUCTION_SET = UNAVAILABLE == null ? nativeInstructionSet() : null;

    private NativePanelKernel() {}

    /** The build that runs here, {@code avx512} or {@code avx2}; null where the native kernel does not run. */
    static String instructionSet() {
        return INSTRUCTION_SET;
    }

    /** Null when loaded, else why the native kernel does not run here. */
    static String unavailableReason() {
        return UNAVAILABLE;
    }

    private static String load() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return "the native panel kernel is built for Linux x86-64 only, this is " + os + " " + arch;
        }
        try (InputStream in = NativePanelKernel.class.getResourceAsStream(LIBRARY)) {
            if (in == null) {
                return LIBRARY + " is not on the class path: the build found no C compiler"
                        + " (model/src/main/c/build.sh)";
            }
            Path file = Files.createTempFile("gemma-panel-kernel", ".so");
            file.toFile().deleteOnExit();
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            System.load(file.toString());
            return nativeInstructionSet() == null
                    ? "the native panel kernel needs AVX2 with FMA, or AVX-512, which this processor lacks" : null;
        } catch (IOException | UnsatisfiedLinkError e) {
            return "loading " + LIBRARY + " failed: " + e;
        }
    }

    /**
     * Output columns {@code from..to} (panel-aligned) of every row: {@code x [in, rows]} input by input with
     * {@code rows} 1 or a multiple of eight, {@code panels} as {@link PackedWeights} lays them out 16 columns wide, and
     * {@code y [rows, stride]}. Bounds are checked here: the native side trusts them.
     */
    static void columns(float[] x, int rows, int in, float[] panels, int from, int to, float[] y, int stride) {
        checkPanels(x, rows, in, panels, from, to, stride);
        if ((long) rows * stride > y.length) {
            throw new IllegalArgumentException("native panel kernel: " + rows + " rows of " + stride
                    + " outputs do not fit " + y.length + " floats");
        }
        nativeColumns(x, rows, in, panels, from, to, y, stride);
    }

    /**
     * {@code inputs [in, kernelRows]} input by input from the first {@code rows} rows of host array {@code x}, zero
     * rows after them.
     */
    static void layInputs(INDArray x, int rows, int kernelRows, int in, float[] inputs) {
        checkHostRows(x, rows, in, "inputs");
        if (kernelRows < rows || (long) in * kernelRows > inputs.length) {
            throw new IllegalArgumentException("native panel kernel: " + rows + " rows of " + in + " inputs as "
                    + kernelRows + " do not fit " + inputs.length + " floats");
        }
        nativeLayInputs(HostKernels.address(x), rowStride(x), rows, kernelRows, in, inputs);
        Reference.reachabilityFence(x);
    }

    /**
     * The first {@code rows} rows and {@code columns} columns of a float32 host array, checked and addressed once per
     * product rather than once per piece of it (a product is claimed in a dozen pieces or more).
     */
    record HostOutput(INDArray array, long address, int stride, int rows, int columns) {
        static HostOutput of(INDArray y, int rows, int columns) {
            checkHostRows(y, rows, columns, "outputs");
            return new HostOutput(y, HostKernels.address(y), rowStride(y), rows, columns);
        }
    }

    /**
     * Output columns {@code from..to} (panel-aligned) of {@code y}'s rows written into it in place, or added to it
     * when {@code accumulate}; {@code inputs} as {@link #layInputs} left them.
     */
    static void columnsInto(float[] inputs, int kernelRows, int in, float[] panels, int from, int to, HostOutput y,
            boolean accumulate) {
        checkPanels(inputs, kernelRows, in, panels, from, to, (y.columns() + 15) / 16 * 16);
        if (kernelRows < y.rows()) {
            throw new IllegalArgumentException("native panel kernel: " + y.rows() + " rows in " + kernelRows);
        }
        nativeColumnsInto(inputs, kernelRows, in, panels, from, to, y.address(), y.stride(), y.rows(), y.columns(),
                accumulate);
        Reference.reachabilityFence(y.array());
    }

    /**
     * Refuses a product the kernel could not run within its arrays: {@code rows} 1 or a multiple of eight, inputs
     * {@code [in, rows]}, panel-aligned columns {@code from..to} within {@code paddedColumns} and the panels.
     */
    private static void checkPanels(float[] inputs, int rows, int in, float[] panels, int from, int to,
            int paddedColumns) {
        if ((rows != 1 && rows % 8 != 0) || from % 16 != 0 || to % 16 != 0 || from < 0 || from > to
                || to > paddedColumns || (long) in * rows > inputs.length || (long) to * in > panels.length) {
            throw new IllegalArgumentException("native panel kernel: " + rows + " rows of " + in + " inputs, columns "
                    + from + ".." + to + " of " + paddedColumns + " do not fit arrays of " + inputs.length + " and "
                    + panels.length);
        }
    }

    /** Refuses what the native code could not address safely: anything but float32 host rows of unit stride. */
    private static void checkHostRows(INDArray a, int rows, int columns, String what) {
        if (!HostKernels.applies(a) || a.rank() != 2 || a.rows() != rows || a.columns() != columns) {
            throw new IllegalArgumentException("native panel kernel: " + what + " must be float32 host rows ["
                    + rows + ", " + columns + "], got " + a.shapeInfoToString());
        }
    }

    private static int rowStride(INDArray a) {
        return a.rows() == 1 ? (int) a.columns() : (int) a.stride(0);
    }

    private static native String nativeInstructionSet();

    private static native void nativeLayInputs(long xAddress, int xStride, int rows, int kernelRows, int in,
            float[] inputs);

    private static native void nativeColumnsInto(float[] inputs, int kernelRows, int in, float[] panels, int from,
            int to, long yAddress, int yStride, int rows, int columns, boolean accumulate);

    private static native void nativeColumns(float[] x, int rows, int in, float[] panels, int from, int to, float[] y,
            int stride);
}
