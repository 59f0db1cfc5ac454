package io.gemmaspark.model.decoder;

import io.gemmaspark.model.GemmaConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Positions of packed rows: several sequences (segments) side by side in one row, each computed as if alone.
 * A segment is a maximal run of equal ids; its RoPE positions restart at 0, and a query sees only the earlier keys
 * of its own segment (a block-diagonal causal mask), so no sequence attends to another. Per-row tables and masks
 * broadcast in {@link DecoderBlock} exactly like those of KV-cache generation.
 */
final class SegmentPositions {
    private static final double MASKED = -1e9;

    private SegmentPositions() {
    }

    static DecoderBlock.Positions of(GemmaConfig c, DataType dtype, int batch, int time, int[] segments) {
        if (segments.length != batch * time) {
            throw new IllegalArgumentException("segment ids: " + segments.length + " values for [" + batch + ", "
                    + time + "] tokens");
        }
        int[] positions = new int[batch * time];
        double[][][][] mask = new double[batch][1][time][time];
        for (int b = 0; b < batch; b++) {
            int start = 0;
            for (int t = 0; t < time; t++) {
                int r = b * time + t;
                if (t > 0 && segments[r] != segments[r - 1]) {
                    start = t;
                }
                positions[r] = t - start;
                for (int s = 0; s < time; s++) {
                    boolean visible = s <= t && s >= start;
                    mask[b][0][t][s] = visible ? 0 : MASKED;
                }
            }
        }
        int hd = c.headDim();
        INDArray[] q = RotaryTables.rows(hd, c.ropeTheta(), dtype, Math.pow(hd, -0.5), positions);
        INDArray[] k = RotaryTables.rows(hd, c.ropeTheta(), dtype, 1.0, positions);
        return new DecoderBlock.Positions(batch, time, q[0].reshape('c', batch, 1, time, hd),
                q[1].reshape('c', batch, 1, time, hd), k[0].reshape('c', batch, 1, time, hd),
                k[1].reshape('c', batch, 1, time, hd), Nd4j.create(mask).castTo(dtype));
    }
}
