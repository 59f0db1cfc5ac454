package io.gemmaspark.training.averaging;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Gives every parameter-averaging worker the global iteration count, which the learning-rate schedule and Adam's
 * bias correction both read: the i-th minibatch of round {@code step} trains at {@code step * averaging_frequency + i}.
 *
 * <p>Without it each worker trains every round at iterations {@code 0 .. averaging_frequency-1}: dl4j-spark builds
 * the worker's graph from {@code ComputationGraphConfiguration.clone()}, which drops the iteration count, and
 * never sets it again. The driver sets {@link #startRound} before each round; the hook travels to the executors
 * inside the worker closure that Spark serialises for that round.
 */
public final class GlobalIterationHook implements TrainingHook {
    private static final long serialVersionUID = 1L;
    private long firstIterationOfRound;

    /** Driver side: the global iteration of the coming round's first minibatch. */
    public void startRound(long firstIteration) {
        this.firstIterationOfRound = firstIteration;
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        ComputationGraphConfiguration conf = ((ComputationGraph) model).getConfiguration();
        // A fresh worker graph counts its own minibatches from 0 (each fit adds 1); shift it once, at the first.
        if (conf.getIterationCount() < firstIterationOfRound) {
            conf.setIterationCount(Math.toIntExact(firstIterationOfRound + conf.getIterationCount()));
        }
    }

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
        throw new UnsupportedOperationException("pretraining feeds MultiDataSets");
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
    }
}
