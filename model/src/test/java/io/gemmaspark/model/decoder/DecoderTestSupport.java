package io.gemmaspark.model.decoder;

import io.gemmaspark.model.GemmaConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

/** Small decoders with non-trivial random weights (norm gains included) for the decoder and generation tests. */
public final class DecoderTestSupport {
    /** Central-difference step of the gradient checks (the tests run in double precision). */
    private static final double EPSILON = 1e-5;

    private DecoderTestSupport() {}

    /** {@code ∂score/∂params[i]} of {@code graph} on {@code data} by central differences; the parameter is put back. */
    public static double numericGradient(ComputationGraph graph, MultiDataSet data, long i) {
        INDArray params = graph.params();
        double original = params.getDouble(i);
        params.putScalar(i, original + EPSILON);
        double plus = graph.score(data);
        params.putScalar(i, original - EPSILON);
        double minus = graph.score(data);
        params.putScalar(i, original);
        return (plus - minus) / (2 * EPSILON);
    }

    /** Error of an analytic gradient element relative to the larger magnitude; 0 where both are below 1e-9. */
    public static double relativeError(double analytic, double numeric) {
        double scale = Math.max(Math.abs(analytic), Math.abs(numeric));
        return scale < 1e-9 ? 0 : Math.abs(analytic - numeric) / scale;
    }

    /** The gradient checks' agreement: relative error under 1e-5, or an absolute difference under 1e-9. */
    public static boolean agrees(double analytic, double numeric) {
        return relativeError(analytic, numeric) < 1e-5 || Math.abs(analytic - numeric) < 1e-9;
    }

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
