package io.gemmaspark.model.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The vector tanh-GELU against the formula in double, over lengths that end in a partial vector. */
class VectorGeluTest {

    @Test
    void matchesTheTanhGeluInDouble() {
        Random random = new Random(13);
        for (int n : new int[] {1, 15, 16, 17, 100, 2048}) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = (float) (random.nextGaussian() * 4);   // well into both saturated tails
            }
            float[] gelu = x.clone();
            float[] tanh = new float[n];
            VectorGelu.inPlace(gelu, tanh, n);
            for (int i = 0; i < n; i++) {
                double v = x[i];
                double t = Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v));
                assertEquals(t, tanh[i], 2e-7, "tanh at " + i + " of " + n + " (x = " + v + ")");
                assertEquals(0.5 * v * (1 + t), gelu[i], 1e-6 * Math.max(1, Math.abs(v)), "gelu at " + i + " of " + n);
            }
        }
    }
}
