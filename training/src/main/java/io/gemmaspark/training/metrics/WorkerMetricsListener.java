package io.gemmaspark.training.metrics;

import java.io.Serializable;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.util.DoubleAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runs inside every parameter-averaging worker and reports, for every minibatch of every worker, the data loss
 * (DL4J's score without the weight-decay penalty), the global L2 norm of the gradient before clipping and the
 * learning rate the updater applies, through
 * Spark accumulators. The driver's {@link #takeRound} gives the means over the whole round: DL4J's own round
 * score is only each worker's last minibatch.
 */
public final class WorkerMetricsListener extends BaseTrainingListener implements Serializable {
    private static final long serialVersionUID = 1L;
    private final DoubleAccumulator lossSum;
    private final DoubleAccumulator gradNormSum;
    private final DoubleAccumulator learningRateSum;
    private final LongAccumulator minibatches;

    public WorkerMetricsListener(SparkContext spark) {
        this.lossSum = spark.doubleAccumulator("lossSum");
        this.gradNormSum = spark.doubleAccumulator("gradNormSum");
        this.learningRateSum = spark.doubleAccumulator("learningRateSum");
        this.minibatches = spark.longAccumulator("minibatches");
    }

    /** Means over one round, in DL4J score units: mean loss per weighted token (see {@link io.gemmaspark.training.model.ModelFactory}). */
    public record RoundMeans(double loss, double gradNorm, double learningRate, long minibatches) {
    }

    @Override
    public void onGradientCalculation(Model model) {
        if (!(model instanceof ComputationGraph graph)) {
            return;
        }
        lossSum.add(graph.score() - graph.calcRegularizationScore(true));
        gradNormSum.add(preClippingNorm(graph));
        learningRateSum.add(learningRate(graph));
        minibatches.add(1);
    }

    /** The rate the updater is about to apply: its schedule at the graph's iteration count, as Adam reads it. */
    private static double learningRate(ComputationGraph graph) {
        var conf = graph.getConfiguration();
        return graph.getUpdater().getUpdaterBlocks().get(0).getGradientUpdater().getConfig()
                .getLearningRate(conf.getIterationCount(), conf.getEpochCount());
    }

    /** Gradients that DL4J divides by the minibatch size are divided here too: this is what clipping compares. */
    private static double preClippingNorm(ComputationGraph graph) {
        Gradient gradient = graph.gradient();
        long minibatch = Math.max(1, graph.batchSize());
        double squares = 0;
        for (Map.Entry<String, INDArray> variable : gradient.gradientForVariable().entrySet()) {
            String key = variable.getKey();
            int split = key.lastIndexOf('_');
            double norm = variable.getValue().norm2Number().doubleValue();
            if (split > 0 && graph.getLayer(key.substring(0, split)).updaterDivideByMinibatch(key.substring(split + 1))) {
                norm /= minibatch;
            }
            squares += norm * norm;
        }
        return Math.sqrt(squares);
    }

    /** Driver side: the means since the last call, resetting the accumulators. */
    public RoundMeans takeRound() {
        long n = minibatches.value();
        RoundMeans means = new RoundMeans(n == 0 ? Double.NaN : lossSum.value() / n,
                n == 0 ? Double.NaN : gradNormSum.value() / n, n == 0 ? Double.NaN : learningRateSum.value() / n, n);
        lossSum.reset();
        gradNormSum.reset();
        learningRateSum.reset();
        minibatches.reset();
        return means;
    }
}
