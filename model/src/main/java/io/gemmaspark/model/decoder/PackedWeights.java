package io.gemmaspark.model.decoder;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A linear layer's weights {@code W [out, in]} copied once into heap panels laid out for decode products
 * {@code y = x W^T} of 1 to {@link #maxRows()} rows: the packing that BLAS libraries redo on every call, done at load.
 *
 * <p>A panel is a run of consecutive output columns, stored input by input: {@code panel[k][c] = W[j + c][k]}. Its
 * width is the {@link PanelKernel}'s: 16 columns for the native kernel, two vectors' worth for the Java one, whose
 * loop is described here (the native one in {@code model/src/main/c/panel_kernel.c}). The Java kernel walks a panel
 * from start to end once per eight rows, and at each input {@code k} multiplies the panel's two vectors by
 * {@code x[r][k]} broadcast for those eight rows: sixteen vector accumulators, each weight load feeding eight fused
 * multiply-adds, no sum across lanes at the end. Weights come straight from the heap in the order they are
 * stored, so the hardware prefetcher streams them while the arithmetic runs (the copy-then-multiply of
 * {@link FewRowProduct} serialises the two). Measured on the development machine (AVX-512, JDK 17, two threads):
 * the 16-row products of a {@code small} decode step in 7.9 ms against 14-16 ms; the native kernel, which prefetches,
 * in 6.2 ms ({@code docs/serving.md}).
 *
 * <p>Every output element is one chain of fused multiply-adds over {@code k} in order, whichever kernel and
 * however many rows compute it, so a sequence's logits do not depend on the batch it shares (1 to
 * {@link #maxRows()} rows, bit for bit). Results differ from OpenBLAS's in the last bits, as two BLAS libraries do.
 *
 * <p>The panels are a copy: a layer trained after packing is not seen. Pack weights that stay fixed while in use
 * (serving, batch generation). Needs the JDK's incubating vector module ({@link HostKernels#VECTOR_MODULE}).
 */
public final class PackedWeights {
    /** Products of this many multiply-adds or more split their panels over two threads. */
    private static final long PARALLEL_WORK = 1L << 18;

    private final PanelKernel kernel;
    private final int out;
    private final int in;
    private final int paddedOut;
    private final float[] panels;

    private PackedWeights(PanelKernel kernel, int out, int in, int paddedOut, float[] panels) {
        this.kernel = kernel;
        this.out = out;
        this.in = in;
        this.paddedOut = paddedOut;
        this.panels = panels;
    }

    /** Heap bytes {@link #pack} takes for {@code w [out, in]} in {@code kernel}'s panels. */
    public static long packedBytes(INDArray w, PanelKernel kernel) {
        int panel = kernel.panelWidth();
        return 4L * (w.rows() + panel - 1) / panel * panel * w.columns();
    }

    /** {@link #pack(INDArray, PanelKernel)} for {@link PanelKernel#preferred()}. */
    public static PackedWeights pack(INDArray w) {
        return pack(w, PanelKernel.preferred());
    }

    /** Copies float32 host weights {@code w [out, in]} into {@code kernel}'s panels (zero columns pad the last one). */
    public static PackedWeights pack(INDArray w, PanelKernel kernel) {
        if (!HostKernels.applies(w) || w.rank() != 2) {
            throw new IllegalArgumentException("packing needs float32 host weights [out, in], got "
                    + w.shapeInfoToString());
        }
        if (!kernel.available()) {
            throw new IllegalStateException(NativePanelKernel.unavailableReason());
        }
        int out = (int) w.rows();
        int in = (int) w.columns();
        int panel = kernel.panelWidth();
        int paddedOut = (out + panel - 1) / panel * panel;
        float[] panels = new float[Math.multiplyExact(paddedOut, in)];
        HostKernels.Rows rows = new HostKernels.Rows(w);
        float[] block = new float[panel * in];
        for (int first = 0; first < out; first += panel) {
            int n = Math.min(panel, out - first);
            rows.readRows(first, n, in, block);
            Arrays.fill(block, n * in, panel * in, 0f);
            int base = first * in;
            for (int k = 0; k < in; k++) {
                for (int c = 0; c < panel; c++) {
                    panels[base + k * panel + c] = block[c * in + k];
                }
            }
        }
        return new PackedWeights(kernel, out, in, paddedOut, panels);
    }

    /** The most rows a product takes ({@link PanelKernel#maxRows()}). */
    public int maxRows() {
        return kernel.maxRows();
    }

    /** The kernel these panels are laid out for. */
    public PanelKernel kernel() {
        return kernel;
    }

    /**
     * {@code y = x W^T}, or {@code y += x W^T}, for float32 host {@code x [rows, in]} and {@code y [rows, out]}.
     */
    public void multiply(INDArray x, INDArray y, boolean accumulate) {
        if (kernel == PanelKernel.NATIVE) {
            multiplyInPlace(x, y, accumulate);
            return;
        }
        HostKernels.Rows yRows = new HostKernels.Rows(y);
        multiply(x, (products, stride, rows, from, to) ->
                HostKernels.storeColumns(products, stride, yRows, rows, from, to, accumulate));
    }

    /**
     * {@code x W^T} into the first {@code x.rows()} of the heap rows {@code y}: next-token logits go to the samplers
     * without a trip through an INDArray.
     */
    public void multiplyToRows(INDArray x, float[][] y) {
        multiply(x, (products, stride, rows, from, to) -> {
            for (int r = 0; r < rows; r++) {
                System.arraycopy(products, r * stride + from, y[r], from, to - from);
            }
        });
    }

    /**
     * The native kernel's {@link #multiply}: inputs laid out from {@code x}'s memory and sums written to {@code y}'s
     * without heap copies between, which took a tenth of a 16-row decode step.
     */
    private void multiplyInPlace(INDArray x, INDArray y, boolean accumulate) {
        int rows = checkRows(x);
        int kernelRows = kernel.kernelRows(rows);
        float[] inputs = layInputs(x, rows, kernelRows, SCRATCH.get().ensure(in * kernelRows, 0));
        NativePanelKernel.HostOutput output = NativePanelKernel.HostOutput.of(y, rows, out);
        HostKernels.inChunks(paddedOut, kernel.panelWidth(), parallel(rows), (from, to) ->
                NativePanelKernel.columnsInto(inputs, kernelRows, in, panels, from, to, output, accumulate));
    }

    private int checkRows(INDArray x) {
        int rows = (int) x.rows();
        if (rows > maxRows()) {
            throw new IllegalArgumentException(rows + " rows: packed products take at most " + maxRows());
        }
        return rows;
    }

    /** Whether a product of {@code rows} rows splits its panels over two threads. */
    private boolean parallel(int rows) {
        return (long) Math.max(rows, 8) * in * out >= PARALLEL_WORK && paddedOut >= 2 * kernel.panelWidth();
    }

    /** Where a piece of the product goes: columns {@code from..to} of its {@code rows} rows, {@code stride} apart. */
    @FunctionalInterface
    private interface ColumnSink {
        void store(float[] products, int stride, int rows, int from, int to);
    }

    private void multiply(INDArray x, ColumnSink sink) {
        int rows = checkRows(x);
        int kernelRows = kernel.kernelRows(rows);
        Scratch scratch = SCRATCH.get().ensure(in * kernelRows, kernelRows * paddedOut);
        float[] inputs = layInputs(x, rows, kernelRows, scratch);
        float[] products = scratch.products;
        HostKernels.inChunks(paddedOut, kernel.panelWidth(), parallel(rows), (from, to) -> {
            if (kernel == PanelKernel.NATIVE) {
                NativePanelKernel.columns(inputs, kernelRows, in, panels, from, to, products, paddedOut);
            } else {
                Kernel.columns(inputs, kernelRows, in, panels, from, to, products, paddedOut);
            }
            if (from < out) {
                sink.store(products, paddedOut, rows, from, Math.min(to, out));
            }
        });
    }

    /**
     * {@code x}'s rows input by input into {@code scratch.inputs} ({@code [in, kernelRows]}, zero rows after the
     * real ones), so that the broadcasts of one input read adjacent floats; returns that array. The native kernel's
     * layout reads the ND4J memory in place; the Java kernel's stays in Java, so that it runs no native code.
     */
    private float[] layInputs(INDArray x, int rows, int kernelRows, Scratch scratch) {
        float[] inputs = scratch.inputs;
        if (kernel == PanelKernel.NATIVE) {
            NativePanelKernel.layInputs(x, rows, kernelRows, in, inputs);
            return inputs;
        }
        HostKernels.Rows xRows = new HostKernels.Rows(x);
        float[] row = scratch.row(in);
        for (int r = 0; r < kernelRows; r++) {
            if (r < rows) {
                xRows.read(r, 0, row, in);
            } else {
                Arrays.fill(row, 0, in, 0f);   // a padding row
            }
            for (int k = 0; k < in; k++) {
                inputs[k * kernelRows + r] = row[k];
            }
        }
        return inputs;
    }

    /**
     * A calling thread's buffers, grown as needed and reused: the logits' products of 16 rows are 2 MB, which the
     * JVM would otherwise allocate (and zero) outside its young generation at every step.
     */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static final class Scratch {
        float[] inputs = new float[0];
        float[] products = new float[0];
        private float[] row = new float[0];

        Scratch ensure(int inputFloats, int productFloats) {
            if (inputs.length < inputFloats) {
                inputs = new float[inputFloats];
            }
            if (products.length < productFloats) {
                products = new float[productFloats];
            }
            return this;
        }

        float[] row(int length) {
            if (row.length < length) {
                row = new float[length];
            }
            return row;
        }
    }

    /**
     * The panel kernels, eight rows and one row at a time. Each is one method on purpose: vectors that cross into a
     * method the JIT does not inline are boxed, and then the kernel runs at a tenth of its speed.
     */
    private static final class Kernel {
        static final VectorSpecies<Float> LANES = FloatVector.SPECIES_PREFERRED;

        /**
         * Output columns {@code from..to} (panel-aligned) of every row, panel by panel; {@code x [in, rows]} holds
         * the inputs input by input.
         */
        static void columns(float[] x, int rows, int in, float[] panels, int from, int to, float[] y, int stride) {
            int panel = 2 * LANES.length();
            for (int j = from; j < to; j += panel) {
                int r = 0;
                for (; r + 8 <= rows; r += 8) {
                    eightRows(x, r, rows, in, panels, j * in, y, stride, j);
                }
                for (; r < rows; r++) {
                    oneRow(x, r, rows, in, panels, j * in, y, stride, j);
                }
            }
        }

        static void eightRows(float[] x, int r, int rows, int in, float[] p, int base, float[] y, int stride,
                int column) {
            int n = LANES.length();
            FloatVector a0 = FloatVector.zero(LANES), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, d0 = a0, d1 = a0;
            FloatVector e0 = a0, e1 = a0, f0 = a0, f1 = a0, g0 = a0, g1 = a0, h0 = a0, h1 = a0;
            for (int k = 0, at = base, xi = r; k < in; k++, at += 2 * n, xi += rows) {
                FloatVector w0 = FloatVector.fromArray(LANES, p, at);
                FloatVector w1 = FloatVector.fromArray(LANES, p, at + n);
                FloatVector v = FloatVector.broadcast(LANES, x[xi]);
                a0 = w0.fma(v, a0); a1 = w1.fma(v, a1);
                v = FloatVector.broadcast(LANES, x[xi + 1]);
                b0 = w0.fma(v, b0); b1 = w1.fma(v, b1);
                v = FloatVector.broadcast(LANES, x[xi + 2]);
                c0 = w0.fma(v, c0); c1 = w1.fma(v, c1);
                v = FloatVector.broadcast(LANES, x[xi + 3]);
                d0 = w0.fma(v, d0); d1 = w1.fma(v, d1);
                v = FloatVector.broadcast(LANES, x[xi + 4]);
                e0 = w0.fma(v, e0); e1 = w1.fma(v, e1);
                v = FloatVector.broadcast(LANES, x[xi + 5]);
                f0 = w0.fma(v, f0); f1 = w1.fma(v, f1);
                v = FloatVector.broadcast(LANES, x[xi + 6]);
                g0 = w0.fma(v, g0); g1 = w1.fma(v, g1);
                v = FloatVector.broadcast(LANES, x[xi + 7]);
                h0 = w0.fma(v, h0); h1 = w1.fma(v, h1);
            }
            int at = r * stride + column;
            a0.intoArray(y, at); a1.intoArray(y, at + n); at += stride;
            b0.intoArray(y, at); b1.intoArray(y, at + n); at += stride;
            c0.intoArray(y, at); c1.intoArray(y, at + n); at += stride;
            d0.intoArray(y, at); d1.intoArray(y, at + n); at += stride;
            e0.intoArray(y, at); e1.intoArray(y, at + n); at += stride;
            f0.intoArray(y, at); f1.intoArray(y, at + n); at += stride;
            g0.intoArray(y, at); g1.intoArray(y, at + n); at += stride;
            h0.intoArray(y, at); h1.intoArray(y, at + n);
        }

        static void oneRow(float[] x, int r, int rows, int in, float[] p, int base, float[] y, int stride,
                int column) {
            int n = LANES.length();
            FloatVector a0 = FloatVector.zero(LANES), a1 = a0;
            for (int k = 0, at = base, xi = r; k < in; k++, at += 2 * n, xi += rows) {
                FloatVector v = FloatVector.broadcast(LANES, x[xi]);
                a0 = FloatVector.fromArray(LANES, p, at).fma(v, a0);
                a1 = FloatVector.fromArray(LANES, p, at + n).fma(v, a1);
            }
            int at = r * stride + column;
            a0.intoArray(y, at); a1.intoArray(y, at + n);
        }
    }
}
