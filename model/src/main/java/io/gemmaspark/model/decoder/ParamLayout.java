package io.gemmaspark.model.decoder;

import io.gemmaspark.model.GemmaConfig;
import io.gemmaspark.model.GemmaWeights;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Where every decoder tensor lives in the one flat parameter vector: the order and shapes of
 * {@link GemmaWeights#expectedShapes} (Hugging Face names, linear weights {@code [out, in]}, row-major), so a
 * {@link GemmaWeights#allocate}d buffer can become the network's parameters without a copy.
 *
 * <p>DL4J's updater splits {@code vertex_param} keys at the last underscore, so each tensor also has a short
 * underscore-free key ({@code embed}, {@code l3q}, {@code l3gate}, {@code norm}) used inside the network.
 */
public final class ParamLayout {

    /** One tensor: its DL4J key, its Hugging Face name, shape and offset in the flat vector. */
    public record Slot(String key, String hfName, long[] shape, long offset, boolean isNorm) {
        public long length() {
            return Arrays.stream(shape).reduce(1, Math::multiplyExact);
        }
    }

    private static final String[] BLOCK_KEYS = {"inputnorm", "q", "k", "v", "o", "postnorm", "gate", "up", "down"};

    private final List<Slot> slots;
    private final long numParams;

    public ParamLayout(GemmaConfig config) {
        LinkedHashMap<String, long[]> shapes = GemmaWeights.expectedShapes(config);
        List<String> keys = new ArrayList<>();
        keys.add("embed");
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            for (String k : BLOCK_KEYS) {
                keys.add("l" + i + k);
            }
        }
        keys.add("norm");
        if (keys.size() != shapes.size()) {
            throw new IllegalStateException("decoder layout has " + keys.size() + " tensors, GemmaWeights "
                    + shapes.size());
        }
        List<Slot> list = new ArrayList<>();
        long offset = 0;
        int i = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            Slot slot = new Slot(keys.get(i++), e.getKey(), e.getValue(), offset, e.getValue().length == 1);
            list.add(slot);
            offset += slot.length();
        }
        this.slots = Collections.unmodifiableList(list);
        this.numParams = offset;
    }

    public List<Slot> slots() {
        return slots;
    }

    public long numParams() {
        return numParams;
    }

    /**
     * Row-major views of {@code flat} (shape {@code [n]} or {@code [1, n]}, contiguous), keyed by DL4J key. Writes
     * through a view change {@code flat}.
     */
    public LinkedHashMap<String, INDArray> views(INDArray flat) {
        if (flat.length() != numParams) {
            throw new IllegalArgumentException("parameter vector has " + flat.length() + " values, the decoder needs "
                    + numParams);
        }
        INDArray vector = flat.rank() == 1 ? flat : flat.reshape('c', new long[] {flat.length()});
        LinkedHashMap<String, INDArray> views = new LinkedHashMap<>();
        for (Slot s : slots) {
            views.put(s.key(), vector.get(NDArrayIndex.interval(s.offset(), s.offset() + s.length()))
                    .reshape('c', s.shape()));
        }
        return views;
    }

    /** The same views keyed by Hugging Face name. */
    public LinkedHashMap<String, INDArray> hfViews(INDArray flat) {
        LinkedHashMap<String, INDArray> byKey = views(flat);
        LinkedHashMap<String, INDArray> byName = new LinkedHashMap<>();
        for (Slot s : slots) {
            byName.put(s.hfName(), byKey.get(s.key()));
        }
        return byName;
    }
}
