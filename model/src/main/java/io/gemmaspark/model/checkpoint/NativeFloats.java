package io.gemmaspark.model.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.bytedeco.javacpp.BytePointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Byte windows onto the host memory of a float32 INDArray, so checkpoint data moves between files and arrays
 * in chunks with no intermediate array (a 2B model's embedding alone is 2 GB). Windows are at most
 * {@link Integer#MAX_VALUE} bytes; callers walk a large array in chunks.
 */
final class NativeFloats {
    private NativeFloats() {
    }

    /** Checks that {@code array} can be filled or read as one contiguous run of {@code expected} floats. */
    static void requireContiguousFloats(INDArray array, long[] expectedShape, String name) {
        if (array.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("tensor " + name + ": destination is " + array.dataType()
                    + ", expected FLOAT");
        }
        if (!Arrays.equals(array.shape(), expectedShape)) {
            throw new IllegalArgumentException("tensor " + name + ": destination shape " + Arrays.toString(array.shape())
                    + " differs from the stored shape " + Arrays.toString(expectedShape));
        }
        if (array.length() > 1 && (array.ordering() != 'c' || array.elementWiseStride() != 1)) {
            throw new IllegalArgumentException("tensor " + name + ": destination must be a contiguous row-major array");
        }
    }

    /** Makes the host copy current before reading it (a no-op on the CPU backend). */
    static void beforeHostRead(INDArray array) {
        Nd4j.getAffinityManager().ensureLocation(array, AffinityManager.Location.HOST);
    }

    /** Marks the host copy as the newest after writing it (a no-op on the CPU backend). */
    static void afterHostWrite(INDArray array) {
        Nd4j.getAffinityManager().tagLocation(array, AffinityManager.Location.HOST);
    }

    /** A little-endian window of {@code count} floats starting at element {@code first} of {@code array}. */
    static ByteBuffer window(INDArray array, long first, int count) {
        if (first < 0 || count < 0 || first + count > array.length()) {
            throw new IndexOutOfBoundsException("window [" + first + ", " + (first + count) + ") of " + array.length());
        }
        // A view's data buffer carries the view's offset, so its address is the first element of the view.
        long start = array.data().addressPointer().address() + first * Float.BYTES;
        long length = (long) count * Float.BYTES;
        BytePointer pointer = new BytePointer() {
            {
                address = start;
                limit = length;
                capacity = length;
            }
        };
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException("checkpoint I/O needs a little-endian machine");
        }
        return pointer.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }
}
