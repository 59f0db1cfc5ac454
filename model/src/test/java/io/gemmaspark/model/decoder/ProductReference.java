package io.gemmaspark.model.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Products {@code y = x W^T} summed in double by plain loops: the reference the product kernels are checked with. */
final class ProductReference {
    private ProductReference() {}

    static float[][] gaussian(Random random, int rows, int columns) {
        float[][] a = new float[rows][columns];
        for (float[] row : a) {
            for (int i = 0; i < columns; i++) {
                row[i] = (float) random.nextGaussian();
            }
        }
        return a;
    }

    /** {@code initial + x W^T} in double ({@code initial} may be null). */
    static double[][] product(float[][] x, float[][] w, float[][] initial) {
        double[][] y = new double[x.length][w.length];
        for (int r = 0; r < x.length; r++) {
            for (int c = 0; c < w.length; c++) {
                double sum = initial == null ? 0 : initial[r][c];
                for (int k = 0; k < x[r].length; k++) {
                    sum += (double) x[r][k] * w[c][k];
                }
                y[r][c] = sum;
            }
        }
        return y;
    }

    /** Float sums of {@code in} unit-variance products drift by about {@code sqrt(in)} ulps of their size. */
    static void assertClose(double[][] expected, INDArray actual, int in, String what) {
        double tolerance = 2e-6 * in;
        for (int r = 0; r < expected.length; r++) {
            for (int c = 0; c < expected[r].length; c++) {
                assertEquals(expected[r][c], actual.getDouble(r, c), tolerance, what + " at " + r + "," + c);
            }
        }
    }
}
