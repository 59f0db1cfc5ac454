package io.gemmaspark.model.decoder;

import java.util.IdentityHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Where a decoder pass takes its products {@code y = x W^T} from: {@link Kernels#linear} on the weights as given, or
 * {@link PackedWeights} copies of them for products of a few rows (decode steps). Weights are looked up by the
 * identity of their array, the views of {@link DecoderTensors}; any other weight, and any product of more rows than
 * {@link PackedWeights#MAX_ROWS}, goes to {@link Kernels}.
 */
public final class LinearProducts {
    /** Every product on the weights as given (training, and models whose packed copy would not fit). */
    public static final LinearProducts AS_GIVEN = new LinearProducts(Map.of());

    private final Map<INDArray, PackedWeights> packed;

    private LinearProducts(Map<INDArray, PackedWeights> packed) {
        this.packed = packed;
    }

    /**
     * Packed copies of every linear weight of {@code p}, output embedding included, when they take at most
     * {@code maxBytes} of heap and this JVM can run the kernel; otherwise {@link #AS_GIVEN}.
     */
    public static LinearProducts packedWithin(DecoderTensors p, long maxBytes) {
        if (!PackedWeights.AVAILABLE || !Kernels.onHost(p.embed) || packedBytes(p) > maxBytes) {
            return AS_GIVEN;
        }
        Map<INDArray, PackedWeights> packed = new IdentityHashMap<>();
        for (INDArray w : linearWeights(p)) {
            packed.put(w, PackedWeights.pack(w));
        }
        return new LinearProducts(packed);
    }

    /** Heap bytes the packed copies of {@code p} would take. */
    public static long packedBytes(DecoderTensors p) {
        long bytes = 0;
        for (INDArray w : linearWeights(p)) {
            bytes += PackedWeights.packedBytes(w);
        }
        return bytes;
    }

    /** Whether any weight is served from a packed copy. */
    public boolean packed() {
        return !packed.isEmpty();
    }

    /** The weights a decode step multiplies by: stacked projections where the block has them. */
    private static java.util.List<INDArray> linearWeights(DecoderTensors p) {
        java.util.List<INDArray> weights = new java.util.ArrayList<>();
        for (DecoderTensors.Block b : p.blocks) {
            if (b.qkv() != null) {
                weights.add(b.qkv());
            } else {
                weights.addAll(java.util.List.of(b.q(), b.k(), b.v()));
            }
            weights.add(b.o());
            if (b.gateUp() != null) {
                weights.add(b.gateUp());
            } else {
                weights.addAll(java.util.List.of(b.gate(), b.up()));
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
        return pw != null && x.rows() <= PackedWeights.MAX_ROWS && HostKernels.applies(x) ? pw : null;
    }
}
