package io.gemmaspark.model.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A tensor that can be read as float32 in chunks: a stored safetensors tensor (any dtype) or a live array.
 * Writers pull chunks from it, so converting or saving never holds a second copy of the model.
 */
public interface TensorSource {
    long[] shape();

    /** Writes elements {@code [first, first + count)} as little-endian float32 into {@code dst}, advancing it. */
    void readFloats(long first, int count, ByteBuffer dst) throws IOException;

    default long elementCount() {
        long n = 1;
        for (long d : shape()) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** A float32 row-major contiguous array, read in place. */
    static TensorSource of(INDArray array) {
        NativeFloats.requireContiguousFloats(array, array.shape(), "array");
        NativeFloats.beforeHostRead(array);
        long[] shape = array.shape();
        return new TensorSource() {
            @Override
            public long[] shape() {
                return shape;
            }

            @Override
            public void readFloats(long first, int count, ByteBuffer dst) {
                dst.put(NativeFloats.window(array, first, count));
            }
        };
    }
}
