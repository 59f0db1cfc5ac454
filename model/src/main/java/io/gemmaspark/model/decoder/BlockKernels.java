package io.gemmaspark.model.decoder;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The kernels {@link DecoderBlock} runs its products {@code y = x W^T} and its GeGLU with.
 *
 * <p>{@link #TRAINING}: {@link Kernels} on the weights as given, the arithmetic the backward pass and recomputed
 * forward passes reproduce bit for bit. {@link #forDecoding}: what serves a decode step faster and agrees to the last
 * bits:
 * <ul>
 *   <li>products of 1 to {@link PackedWeights#maxRows()} rows from {@link PackedWeights} copies, looked up by the
 *       identity of the weight arrays (the views of {@link DecoderTensors}). Any other weight goes to
 *       {@link Kernels}, and so do more rows. One row from the panels decoded 15-35% faster than OpenBLAS's
 *       gemv on the weights as given, in the same bench runs ({@code docs/serving.md});</li>
 *   <li>GeGLU's tanh from the vector module ({@link VectorLoops#geluTanh}) instead of {@code Math.exp} at 7 ns an
 *       element;</li>
 *   <li>ND4J's shape descriptors from {@link ShapeInfoCache}: a decode step makes hundreds of small arrays.</li>
 * </ul>
 */
public final class BlockKernels {
    /** Training's kernels; also decoding's when this JVM lacks the vector module. */
    public static final BlockKernels TRAINING = new BlockKernels(Map.of(), false);

    private final Map<INDArray, PackedWeights> packed;
    private final boolean vectorTanh;

    private BlockKernels(Map<INDArray, PackedWeights> packed, boolean vectorTanh) {
        this.packed = packed;
        this.vectorTanh = vectorTanh;
    }

    /**
     * Decoding's kernels, with packed copies of every linear weight of {@code p} (output embedding included) when
     * they take at most {@code maxBytes} of heap, and products on the weights as given otherwise.
     */
    public static BlockKernels forDecoding(DecoderTensors p, long maxBytes) {
        return HostKernels.VECTOR_MODULE ? forDecoding(p, maxBytes, PanelKernel.preferred()) : TRAINING;
    }

    /** {@link #forDecoding(DecoderTensors, long)} with the panels of {@code kernel}. */
    public static BlockKernels forDecoding(DecoderTensors p, long maxBytes, PanelKernel kernel) {
        if (!HostKernels.VECTOR_MODULE || !Kernels.onHost(p.embed)) {
            return TRAINING;
        }
        ShapeInfoCache.install();
        Map<INDArray, PackedWeights> packed = new IdentityHashMap<>();
        if (packedBytes(p, kernel) <= maxBytes) {
            for (INDArray w : linearWeights(p)) {
                packed.put(w, PackedWeights.pack(w, kernel));
            }
        }
        return new BlockKernels(packed, true);
    }

    /** Heap bytes the packed copies of {@code p} would take in {@code kernel}'s panels. */
    public static long packedBytes(DecoderTensors p, PanelKernel kernel) {
        long bytes = 0;
        for (INDArray w : linearWeights(p)) {
            bytes += PackedWeights.packedBytes(w, kernel);
        }
        return bytes;
    }

    /** Whether any weight is served from a packed copy. */
    public boolean packed() {
        return !packed.isEmpty();
    }

    /** The kernel of the packed copies, or null when there are none. */
    public PanelKernel panelKernel() {
        return packed.isEmpty() ? null : packed.values().iterator().next().kernel();
    }

    /** The weights a decode step multiplies by: stacked projections where the block has them. */
    private static List<INDArray> linearWeights(DecoderTensors p) {
        List<INDArray> weights = new ArrayList<>();
        for (DecoderTensors.Block b : p.blocks) {
            if (b.qkv() != null) {
                weights.add(b.qkv());
            } else {
                weights.addAll(List.of(b.q(), b.k(), b.v()));
            }
            weights.add(b.o());
            if (b.gateUp() != null) {
                weights.add(b.gateUp());
            } else {
                weights.addAll(List.of(b.gate(), b.up()));
            }
            weights.add(b.down());
        }
        weights.add(p.embed);
        return weights;
    }

    /** {@code x W^T} into a new array. */
    public INDArray linear(INDArray x, INDArray w) {
        PackedWeights pw = packedFor(x, w);
        if (pw == null) {
            return Kernels.linear(x, w);
        }
        INDArray y = Nd4j.createUninitialized(x.dataType(), x.rows(), w.rows());
        pw.multiply(x, y, false);
        return y;
    }

    /**
     * {@code x W^T} into the heap rows {@code y}, one per row of {@code x}, each {@code w.rows()} long: next-token
     * logits for the samplers. The caller reuses {@code y} from step to step; 16 new rows of a 256,000-word vocabulary
     * are 16 MB for the JVM to zero.
     */
    public void linearRows(INDArray x, INDArray w, float[][] y) {
        PackedWeights pw = packedFor(x, w);
        if (pw == null) {
            Kernels.toFloatRows(Kernels.linear(x, w), y);
        } else {
            pw.multiplyToRows(x, y);
        }
    }

    /** {@code gelu_tanh(gate) * up}, as {@link Kernels#geglu}. */
    public Kernels.GeGlu geglu(INDArray gate, INDArray up, boolean keep) {
        return vectorTanh && HostKernels.applies(gate, up) ? HostKernels.geglu(gate, up, keep, true)
                : Kernels.geglu(gate, up, keep);
    }

    /** {@code y += x W^T} in place. */
    public void linearAccumulate(INDArray x, INDArray w, INDArray y) {
        PackedWeights pw = packedFor(x, w);
        if (pw == null) {
            Kernels.linearAccumulate(x, w, y);
        } else {
            pw.multiply(x, y, true);
        }
    }

    private PackedWeights packedFor(INDArray x, INDArray w) {
        PackedWeights pw = packed.get(w);
        return pw != null && x.rows() <= pw.maxRows() && HostKernels.applies(x) ? pw : null;
    }
}
