package io.gemmaspark.model.decoder;

import java.util.Locale;
import jdk.incubator.vector.FloatVector;

/**
 * The loop that multiplies {@link PackedWeights}' panels. Both compute every output as one chain of fused
 * multiply-adds over the inputs in order, so they agree bit for bit; they differ in the panels' width and in how the
 * weights come from memory.
 *
 * <p>System property {@value #PROPERTY} ({@code java} or {@code native}) picks one for the whole JVM, for benchmarks
 * and for ruling the native code out; by default the native kernel serves wherever it loaded.
 */
public enum PanelKernel {
    /** The JDK's vector module: panels two vectors wide, eight rows at a time, weights as the hardware streams them. */
    JAVA,
    /**
     * {@code model/src/main/c} through JNI: panels of 16 columns, weights prefetched ahead of use; with AVX-512
     * sixteen rows in one pass, with AVX2 six. Only on x86-64 with AVX2 and FMA where the build compiled the library
     * ({@link NativePanelKernel#unavailableReason()} says why not).
     */
    NATIVE;

    public static final String PROPERTY = "gemma.panel-kernel";

    /** Output columns per panel (a method, not a field: the enum loads where the vector module is absent). */
    int panelWidth() {
        return this == NATIVE ? 16 : 2 * FloatVector.SPECIES_PREFERRED.length();
    }

    /** Rows the kernel runs for {@code rows} rows: the extra ones are zero rows whose outputs are dropped. */
    int kernelRows(int rows) {
        // Native: one row, or a multiple of eight (one pass of its eight-row kernel costs no more than two one-row
        // passes); Java: four to seven rows past the last eight padded to eight, for the same reason.
        if (this == NATIVE) {
            return rows == 1 ? 1 : (rows + 7) / 8 * 8;
        }
        return rows % 8 >= 4 ? (rows + 7) / 8 * 8 : rows;
    }

    /**
     * The most rows a product takes from the panels; more go to BLAS on the weights as given. The Java kernel's
     * products of more than 32 rows ran slower than OpenBLAS's sgemm. The native kernel's 16-row pass over a panel
     * kept in cache runs at 195 GFLOP/s a core with AVX-512 (90% of the FMA peak, twice sgemm's there) and at
     * sgemm's rate with AVX2, so prefill chunks stay on the panels too, up to 1,024 rows. The calling thread's inputs
     * scratch grows to rows x inputs floats: 8 MB for {@code small}'s widest input (2,048), 64 MB for gemma-2b's
     * (16,384) where its weights are packed.
     */
    int maxRows() {
        return this == NATIVE ? 1024 : 32;
    }

    /** How benchmarks name it: {@code java}, or {@code native} with the instruction set it runs. */
    public String label() {
        return this == JAVA ? "java" : "native " + NativePanelKernel.instructionSet();
    }

    /** Whether this kernel runs in this JVM. */
    public boolean available() {
        return this == JAVA || NativePanelKernel.unavailableReason() == null;
    }

    /** The kernel this JVM packs for: {@value #PROPERTY} if set, else the native one where it loaded. */
    public static PanelKernel preferred() {
        String chosen = System.getProperty(PROPERTY);
        if (chosen == null) {
            return NATIVE.available() ? NATIVE : JAVA;
        }
        PanelKernel kernel;
        try {
            kernel = valueOf(chosen.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("-D" + PROPERTY + "=" + chosen + ": expected java or native");
        }
        if (!kernel.available()) {
            throw new IllegalStateException("-D" + PROPERTY + "=" + chosen + ": "
                    + NativePanelKernel.unavailableReason());
        }
        return kernel;
    }
}
