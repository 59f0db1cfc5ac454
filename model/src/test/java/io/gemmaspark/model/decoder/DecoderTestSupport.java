package io.gemmaspark.model.decoder;

import io.gemmaspark.model.GemmaConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

/** Small decoders with non-trivial random weights (norm gains included) for the decoder and generation tests. */
public final class DecoderTestSupport {
    private DecoderTestSupport() {}

    /** A tiny shape; attention width heads*headDim (16) differs from the model width (12), like the 7B. */
    public static GemmaConfig tinyConfig(int heads, int kvHeads, int layers) {
        return new GemmaConfig("test", 19, 12, layers, heads, kvHeads, 4, 20, 64, 10000, 1e-6);
    }

    /** A decoder whose every tensor is N(0, std^2), seeded; norms too, so (1 + w) is exercised. */
    public static GemmaDecoder randomDecoder(GemmaConfig config, DataType dtype, double std, long seed) {
        GemmaDecoder decoder = GemmaDecoder.create(config, dtype, new NoOp(), seed);
        Nd4j.getRandom().setSeed(seed);
        INDArray params = decoder.graph().params();
        params.assign(Nd4j.randn(dtype, params.shape()).muli(std));
        return decoder;
    }

    /** The decoder's weights as plain doubles by Hugging Face name, for {@link ReferenceGemma}. */
    public static Map<String, double[]> doubles(GemmaDecoder decoder) {
        Map<String, double[]> out = new LinkedHashMap<>();
        decoder.namedTensors().forEach((name, array) ->
                out.put(name, array.castTo(DataType.DOUBLE).reshape('c', new long[] {array.length()}).toDoubleVector()));
        return out;
    }

    public static int[][] randomIds(Random random, int batch, int time, int vocab) {
        int[][] ids = new int[batch][time];
        for (int[] row : ids) {
            for (int t = 0; t < time; t++) {
                row[t] = random.nextInt(vocab);
            }
        }
        return ids;
    }
}
