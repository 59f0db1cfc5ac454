package io.gemmaspark.model.checkpoint;

/**
 * One tensor as a safetensors header describes it; offsets are relative to the start of the data section.
 */
public record TensorEntry(String name, TensorDtype dtype, long[] shape, long begin, long end) {
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public long byteCount() {
        return end - begin;
    }
}
