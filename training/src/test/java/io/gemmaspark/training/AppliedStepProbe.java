package io.gemmaspark.training;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.util.CollectionAccumulator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Runs inside the parameter-averaging workers and records, for each minibatch, what the optimiser applied:
 * Adam's effective step size recovered from the change of the (undecayed) norm weights and Adam's moments, and
 * the L2 norm of the whole parameter change, and the minibatch's loss. Records reach the driver through a Spark accumulator, in round order,
 * each worker's minibatches together.
 */
final class AppliedStepProbe implements TrainingHook {
    private static final long serialVersionUID = 1L;

    /** One minibatch on one worker: its index within the worker's round, and what was applied. */
    record Applied(int minibatchInRound, double stepSize, double parameterChange, double loss) implements java.io.Serializable {
    }

    private final CollectionAccumulator<Applied> applied;
    private final int[] normIndices;
    private final double eps;
    private transient double[] before;
    private transient double penaltyBefore;
    private transient int minibatchInRound;

    AppliedStepProbe(org.apache.spark.SparkContext spark, int[] normIndices, double eps) {
        this.applied = spark.collectionAccumulator("applied-steps");
        this.normIndices = normIndices;
        this.eps = eps;
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        before = OptimizerProbe.params((ComputationGraph) model);
        penaltyBefore = ((ComputationGraph) model).calcRegularizationScore(true);
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
        ComputationGraph graph = (ComputationGraph) model;
        double[] after = OptimizerProbe.params(graph);
        double step = OptimizerProbe.appliedStepSize(before, after, OptimizerProbe.adamMoment(graph, "M"),
                OptimizerProbe.adamMoment(graph, "V"), eps, normIndices);
        double change = 0;
        for (int i = 0; i < after.length; i++) {
            change += (after[i] - before[i]) * (after[i] - before[i]);
        }
        // The minibatch's data loss: its score (computed before the update) without the weight-decay penalty.
        double loss = graph.score() - penaltyBefore;
        applied.add(new Applied(minibatchInRound++, step, Math.sqrt(change), loss));
    }

    /** The records grouped by worker round: a group starts at every minibatch index 0. */
    List<List<Applied>> workerRounds() {
        List<List<Applied>> rounds = new ArrayList<>();
        for (Applied a : applied.value()) {
            if (a.minibatchInRound() == 0) {
                rounds.add(new ArrayList<>());
            }
            rounds.get(rounds.size() - 1).add(a);
        }
        return rounds;
    }

    void reset() {
        applied.reset();
    }

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {
    }
}
