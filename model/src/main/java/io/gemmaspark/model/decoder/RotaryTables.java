package io.gemmaspark.model.decoder;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Full-width rotary tables {@code [cos, cos]} and {@code [-sin, sin]} for positions 0..n-1, with angle
 * {@code pos * theta^(-2i/headDim)} for {@code i < headDim/2} (the half-split layout of gemma_pytorch).
 * Tables can carry a constant factor: queries use {@code headDim^-0.5} so the attention scaling costs nothing.
 *
 * <p>Tables live outside every workspace (DL4J recycles workspace memory between iterations), are computed in
 * double precision and cast once, and are shared by all layers, threads and models of the same shape.
 */
public final class RotaryTables {
    private record Key(int headDim, double theta, DataType dtype, double scale) {}

    private static final Map<Key, INDArray[]> CACHE = new ConcurrentHashMap<>();

    private RotaryTables() {}

    /** {@code {cos, sin}} tables for positions {@code 0..length-1}, shape {@code [length, headDim]}. */
    public static INDArray[] prefix(int headDim, double theta, DataType dtype, double scale, int length) {
        INDArray[] full = tables(headDim, theta, dtype, scale, length);
        return new INDArray[] {
            full[0].get(NDArrayIndex.interval(0, length), NDArrayIndex.all()),
            full[1].get(NDArrayIndex.interval(0, length), NDArrayIndex.all())};
    }

    /** {@code {cos, sin}} rows for arbitrary positions, shape {@code [positions.length, headDim]}. */
    public static INDArray[] rows(int headDim, double theta, DataType dtype, double scale, int[] positions) {
        int max = 0;
        for (int p : positions) {
            if (p < 0) {
                throw new IllegalArgumentException("negative position " + p);
            }
            max = Math.max(max, p);
        }
        INDArray[] full = tables(headDim, theta, dtype, scale, max + 1);
        return new INDArray[] {Kernels.gatherRows(full[0], positions), Kernels.gatherRows(full[1], positions)};
    }

    private static INDArray[] tables(int headDim, double theta, DataType dtype, double scale, int length) {
        Key key = new Key(headDim, theta, dtype, scale);
        INDArray[] cached = CACHE.get(key);
        if (cached != null && cached[0].size(0) >= length) {
            return cached;
        }
        synchronized (CACHE) {
            cached = CACHE.get(key);
            if (cached != null && cached[0].size(0) >= length) {
                return cached;
            }
            int capacity = Integer.highestOneBit(Math.max(length - 1, 1)) << 1;
            INDArray[] built = build(headDim, theta, dtype, scale, Math.max(capacity, 16));
            CACHE.put(key, built);
            return built;
        }
    }

    private static INDArray[] build(int headDim, double theta, DataType dtype, double scale, int length) {
        int half = headDim / 2;
        double[][] cos = new double[length][headDim];
        double[][] sin = new double[length][headDim];
        for (int i = 0; i < half; i++) {
            double frequency = 1.0 / Math.pow(theta, 2.0 * i / headDim);
            for (int pos = 0; pos < length; pos++) {
                double angle = pos * frequency;
                cos[pos][i] = cos[pos][i + half] = scale * Math.cos(angle);
                sin[pos][i] = -scale * Math.sin(angle);
                sin[pos][i + half] = scale * Math.sin(angle);
            }
        }
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            return new INDArray[] {Nd4j.create(cos).castTo(dtype), Nd4j.create(sin).castTo(dtype)};
        }
    }
}
