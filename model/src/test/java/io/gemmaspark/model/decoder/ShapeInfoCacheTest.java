package io.gemmaspark.model.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class ShapeInfoCacheTest {

    @BeforeAll
    static void install() {
        ShapeInfoCache.install();
        ShapeInfoCache.install();   // a second install must not wrap the cache in itself
    }

    @Test
    void installsOnce() {
        assertTrue(Nd4j.getShapeInfoProvider() instanceof ShapeInfoCache);
    }

    @Test
    void arraysOfOneShapeShareTheirDescriptor() {
        INDArray a = Nd4j.createUninitialized(DataType.FLOAT, 16, 512);
        INDArray b = Nd4j.createUninitialized(DataType.FLOAT, 16, 512);
        assertSame(a.shapeInfoDataBuffer(), b.shapeInfoDataBuffer());
    }

    @Test
    void descriptorsTellOrderTypeAndViewsApart() {
        INDArray rowMajor = Nd4j.rand(DataType.FLOAT, 3, 4);
        INDArray columnMajor = Nd4j.rand(DataType.FLOAT, 'f', 3, 4);
        INDArray doubles = Nd4j.rand(DataType.DOUBLE, 3, 4);
        assertNotSame(rowMajor.shapeInfoDataBuffer(), columnMajor.shapeInfoDataBuffer());
        assertNotSame(rowMajor.shapeInfoDataBuffer(), doubles.shapeInfoDataBuffer());
        assertArrayEquals(new long[] {4, 1}, rowMajor.stride());
        assertArrayEquals(new long[] {1, 3}, columnMajor.stride());
        assertEquals(DataType.DOUBLE, doubles.dataType());

        // A view's values are read through its own descriptor: compare them with the parent's, element by element.
        INDArray view = rowMajor.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 3));
        INDArray transposed = columnMajor.transpose();
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 2; c++) {
                assertEquals(rowMajor.getFloat(r, c + 1), view.getFloat(r, c));
            }
            for (int c = 0; c < 4; c++) {
                assertEquals(columnMajor.getFloat(r, c), transposed.getFloat(c, r));
            }
        }
        INDArray sum = rowMajor.add(columnMajor);   // a native op reads both descriptors
        assertEquals(rowMajor.getFloat(2, 3) + columnMajor.getFloat(2, 3), sum.getFloat(2, 3), 1e-6f);
    }
}
