package io.gemmaspark.model.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

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

    /** A product {@code y += x W^T} over views, as a kernel under test computes it. */
    @FunctionalInterface
    interface Accumulation {
        void accumulate(INDArray x, INDArray w, INDArray y);
    }

    /**
     * Checks {@code product} on views whose row strides exceed their widths (column ranges of wider matrices), and
     * that it leaves the columns beside the output view alone.
     */
    static void assertAccumulatesIntoStridedViews(Accumulation product) {
        Random random = new Random(11);
        int rows = 6, in = 80, out = 21;
        float[][] x = gaussian(random, rows, in);
        float[][] w = gaussian(random, out, in);
        float[][] before = gaussian(random, rows, out);
        INDArray wideX = Nd4j.create(gaussian(random, rows, in + 32));
        wideX.get(NDArrayIndex.all(), NDArrayIndex.interval(16, 16 + in)).assign(Nd4j.create(x));
        INDArray wideW = Nd4j.create(gaussian(random, out, in + 16));
        wideW.get(NDArrayIndex.all(), NDArrayIndex.interval(0, in)).assign(Nd4j.create(w));
        INDArray wideY = Nd4j.create(gaussian(random, rows, out + 10));
        INDArray untouched = wideY.dup();
        INDArray yView = wideY.get(NDArrayIndex.all(), NDArrayIndex.interval(5, 5 + out));
        yView.assign(Nd4j.create(before));

        product.accumulate(wideX.get(NDArrayIndex.all(), NDArrayIndex.interval(16, 16 + in)),
                wideW.get(NDArrayIndex.all(), NDArrayIndex.interval(0, in)), yView);

        assertClose(product(x, w, before), yView, in, "accumulated view");
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < out + 10; c++) {
                if (c < 5 || c >= 5 + out) {
                    assertEquals(untouched.getFloat(r, c), wideY.getFloat(r, c), 0f, "outside the view " + r + "," + c);
                }
            }
        }
    }
}
