package io.gemmaspark.model.decoder;

import static io.gemmaspark.model.decoder.ProductReference.assertAccumulatesIntoStridedViews;
import static io.gemmaspark.model.decoder.ProductReference.assertClose;
import static io.gemmaspark.model.decoder.ProductReference.gaussian;
import static io.gemmaspark.model.decoder.ProductReference.product;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The few-row product against products summed in double by plain loops over the same numbers. */
class FewRowProductTest {

    @Test
    void theTestJvmHasTheVectorModuleSoTheKernelIsTheOneUnderTest() {
        assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
                "surefire's argLine must pass --add-modules=jdk.incubator.vector");
    }

    @Test
    void matchesADoubleLoopForRowAndColumnCountsThatAreNotMultiplesOfFour() {
        Random random = new Random(7);
        int[][] shapes = {{2, 16, 3}, {3, 48, 37}, {5, 64, 8}, {16, 512, 2048}, {16, 2048, 512}, {17, 96, 41},
            {32, 128, 130}};
        for (int[] shape : shapes) {
            int rows = shape[0], in = shape[1], out = shape[2];
            assertTrue(FewRowProduct.fits(rows, in), "shape " + java.util.Arrays.toString(shape));
            float[][] x = gaussian(random, rows, in);
            float[][] w = gaussian(random, out, in);
            INDArray y = Nd4j.zeros(DataType.FLOAT, rows, out);
            FewRowProduct.multiply(Nd4j.create(x), Nd4j.create(w), y, false);
            assertClose(product(x, w, null), y, in, "shape " + java.util.Arrays.toString(shape));
        }
    }

    @Test
    void accumulatesIntoStridedViewsAndLeavesTheirNeighboursAlone() {
        assertAccumulatesIntoStridedViews((x, w, y) -> FewRowProduct.multiply(x, w, y, true));
    }

    @Test
    void aRowsProductsAreTheSameBitsWhateverRowsShareTheCall() {
        Random random = new Random(5);
        int in = 512, out = 300;
        float[][] x = gaussian(random, 16, in);
        INDArray w = Nd4j.create(gaussian(random, out, in));
        INDArray sixteen = Nd4j.zeros(DataType.FLOAT, 16, out);
        FewRowProduct.multiply(Nd4j.create(x), w, sixteen, false);
        // Row 9 alone with two others, in another position: OpenBLAS would change its kernel with the row count.
        INDArray three = Nd4j.zeros(DataType.FLOAT, 3, out);
        FewRowProduct.multiply(Nd4j.create(new float[][] {x[2], x[15], x[9]}), w, three, false);
        for (int c = 0; c < out; c++) {
            assertEquals(Float.floatToIntBits(sixteen.getFloat(9, c)), Float.floatToIntBits(three.getFloat(2, c)),
                    "column " + c);
        }
    }

    @Test
    void sixteenRowsThroughTheDecoderProductGiveWhatOneRowAtATimeGives() {
        Random random = new Random(3);
        int rows = 16, in = 256, out = 96;
        INDArray x = Nd4j.create(gaussian(random, rows, in));
        INDArray w = Nd4j.create(gaussian(random, out, in));
        INDArray batched = Kernels.linear(x, w);
        for (int r = 0; r < rows; r++) {
            INDArray one = Kernels.linear(x.getRow(r, true), w);   // one row: OpenBLAS's gemv
            for (int c = 0; c < out; c++) {
                assertEquals(one.getFloat(0, c), batched.getFloat(r, c), 1e-4f * Math.sqrt(in), "row " + r + " col " + c);
            }
        }
    }
}
