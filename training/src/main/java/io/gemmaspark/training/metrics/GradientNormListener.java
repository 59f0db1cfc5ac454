package io.gemmaspark.training.metrics;

import java.util.Map;
import org.apache.spark.util.DoubleAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runs inside every parameter-averaging worker and reports the global L2 norm of each update's gradient,
 * before clipping, to the driver through Spark accumulators. Gradients that DL4J later divides by the minibatch
 * size are divided here too, so the figure is the norm the clipping threshold is compared against.
 */
public final class GradientNormListener extends BaseTrainingListener implements java.io.Serializable {
    private final DoubleAccumulator sum;
    private final LongAccumulator count;

    public GradientNormListener(DoubleAccumulator sum, LongAccumulator count) {
        this.sum = sum;
        this.count = count;
    }

    @Override
    public void onGradientCalculation(Model model) {
        if (!(model instanceof ComputationGraph graph)) {
            return;
        }
        Gradient gradient = graph.gradient();
        long minibatch = Math.max(1, graph.batchSize());
        double squares = 0;
        for (Map.Entry<String, INDArray> variable : gradient.gradientForVariable().entrySet()) {
            String key = variable.getKey();
            int split = key.lastIndexOf('_');
            double norm = variable.getValue().norm2Number().doubleValue();
            boolean divided = split > 0 && graph.getLayer(key.substring(0, split))
                    .updaterDivideByMinibatch(key.substring(split + 1));
            if (divided) {
                norm /= minibatch;
            }
            squares += norm * norm;
        }
        sum.add(Math.sqrt(squares));
        count.add(1);
    }

    /** Mean norm since the last call, and resets the accumulators (driver side). */
    public double takeMean() {
        double mean = count.value() == 0 ? Double.NaN : sum.value() / count.value();
        sum.reset();
        count.reset();
        return mean;
    }

}
