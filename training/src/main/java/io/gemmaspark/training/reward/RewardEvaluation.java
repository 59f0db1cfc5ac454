package io.gemmaspark.training.reward;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Held-out figures of a reward model, from its rewards on every pair (computed on the driver):
 * pairwise accuracy (share of pairs with {@code r_chosen > r_rejected}), mean margin {@code r_c - r_r}, the loss
 * and the distribution of chosen and rejected rewards.
 */
public record RewardEvaluation(double accuracy, double meanMargin, double loss, double chosenMean, double chosenStd,
        double rejectedMean, double rejectedStd, int pairs) {

    public static RewardEvaluation of(ComputationGraph graph, List<PreferencePair> pairs, int seqLen, double center) {
        List<double[]> rewards = new ArrayList<>();
        int batch = 16;
        for (int from = 0; from < pairs.size(); from += batch) {
            List<PreferencePair> part = pairs.subList(from, Math.min(pairs.size(), from + batch));
            INDArray r = graph.outputSingle(false, RewardBatches.minibatch(part, seqLen).getFeatures(0));
            for (int i = 0; i < part.size(); i++) {
                rewards.add(new double[] {r.getDouble(2 * i), r.getDouble(2 * i + 1), part.get(i).margin});
            }
        }
        double correct = 0, margin = 0, loss = 0, cSum = 0, cSq = 0, rSum = 0, rSq = 0;
        for (double[] p : rewards) {
            double z = p[0] - p[1] - p[2];
            correct += p[0] > p[1] ? 1 : 0;
            margin += p[0] - p[1];
            loss += Math.max(-z, 0) + Math.log1p(Math.exp(-Math.abs(z))) + center * (p[0] + p[1]) * (p[0] + p[1]);
            cSum += p[0];
            cSq += p[0] * p[0];
            rSum += p[1];
            rSq += p[1] * p[1];
        }
        int n = rewards.size();
        return new RewardEvaluation(correct / n, margin / n, loss / n, cSum / n, std(cSum, cSq, n), rSum / n,
                std(rSum, rSq, n), n);
    }

    private static double std(double sum, double squares, int n) {
        double mean = sum / n;
        return Math.sqrt(Math.max(0, squares / n - mean * mean));
    }

    public String describe() {
        return String.format(java.util.Locale.ROOT, "accuracy %.3f, mean margin %.3f, loss %.4f, chosen %.3f ± %.3f, "
                + "rejected %.3f ± %.3f (%d pairs)", accuracy, meanMargin, loss, chosenMean, chosenStd, rejectedMean,
                rejectedStd, pairs);
    }
}
