package io.gemmaspark.model.decoder;

import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.ShapeInfoProvider;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.LoggerFactory;

/**
 * ND4J's shape descriptors, cached by what they describe. Every array ND4J makes, views and reshapes included, gets
 * a descriptor, and the CPU backend's provider caches only some of its entry points: the one the array constructors
 * call goes to native code and registers a deallocator each time, 2-4 us measured here. A 16-stream decode step makes
 * about 220 arrays. A descriptor is a constant (ND4J marks it so and shares the cached ones between arrays), so
 * serving a cached one changes nothing but the time.
 *
 * <p>Installed for the CPU backend by {@link BlockKernels#forDecoding}. The cache holds at most {@link #MAX_ENTRIES}
 * descriptors and starts again when full: arrays keep the descriptors they hold.
 */
final class ShapeInfoCache implements ShapeInfoProvider {
    private static final int MAX_ENTRIES = 4096;

    private final ShapeInfoProvider backend;
    private final ConcurrentHashMap<Descriptor, Pair<DataBuffer, long[]>> cache = new ConcurrentHashMap<>();

    private ShapeInfoCache(ShapeInfoProvider backend) {
        this.backend = backend;
    }

    /** Puts the cache in front of the backend's provider, once per JVM. */
    static synchronized void install() {
        try {
            Field field = Nd4j.class.getDeclaredField("shapeInfoProvider");
            field.setAccessible(true);
            ShapeInfoProvider current = (ShapeInfoProvider) field.get(null);
            if (!(current instanceof ShapeInfoCache)) {
                field.set(null, new ShapeInfoCache(current));
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // An ND4J without the field decodes as before, only slower.
            LoggerFactory.getLogger(ShapeInfoCache.class).warn("shape descriptor cache not installed", e);
        }
    }

    @Override
    public Pair<DataBuffer, long[]> createShapeInformation(long[] shape, long[] stride, long ews, char order,
            DataType dataType, boolean empty) {
        Descriptor key = new Descriptor(shape, stride, ews, order, dataType, empty);
        Pair<DataBuffer, long[]> info = cache.get(key);
        if (info == null) {
            info = backend.createShapeInformation(shape, stride, ews, order, dataType, empty);
            if (cache.size() >= MAX_ENTRIES) {
                cache.clear();
            }
            cache.put(key, info);
        }
        return info;
    }

    @Override
    public Pair<DataBuffer, long[]> createShapeInformation(long[] shape, DataType dataType) {
        return backend.createShapeInformation(shape, dataType);
    }

    @Override
    public Pair<DataBuffer, long[]> createShapeInformation(long[] shape, char order, DataType dataType) {
        return backend.createShapeInformation(shape, order, dataType);
    }

    @Override
    public Pair<DataBuffer, long[]> createShapeInformation(long[] shape, long[] stride, long ews, char order,
            long extras) {
        return backend.createShapeInformation(shape, stride, ews, order, extras);
    }

    @Override
    public void purgeCache() {
        cache.clear();
        backend.purgeCache();
    }

    @Override
    public long getCachedBytes() {
        return backend.getCachedBytes();
    }

    /** What a descriptor describes; the arrays are copied, as callers reuse theirs. */
    private static final class Descriptor {
        private final long[] shape;
        private final long[] stride;
        private final long ews;
        private final char order;
        private final DataType dataType;
        private final boolean empty;
        private final int hash;

        Descriptor(long[] shape, long[] stride, long ews, char order, DataType dataType, boolean empty) {
            this.shape = shape.clone();
            this.stride = stride.clone();
            this.ews = ews;
            this.order = order;
            this.dataType = dataType;
            this.empty = empty;
            this.hash = Arrays.hashCode(new int[] {Arrays.hashCode(shape), Arrays.hashCode(stride),
                    Long.hashCode(ews), order, dataType.ordinal(), empty ? 1 : 0});
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Descriptor d && d.hash == hash && d.ews == ews && d.order == order
                    && d.dataType == dataType && d.empty == empty && Arrays.equals(d.shape, shape)
                    && Arrays.equals(d.stride, stride);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
