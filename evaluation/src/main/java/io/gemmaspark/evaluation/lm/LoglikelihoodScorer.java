package io.gemmaspark.evaluation.lm;

import io.gemmaspark.model.decoder.GemmaDecoder;
import io.gemmaspark.model.decoder.Kernels;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Scores token requests with one forward pass per batch. Rows are right-padded to the batch's longest input: the
 * decoder is causal, so padding after a row's last token cannot change the logits the row is scored on.
 */
public final class LoglikelihoodScorer {
    private static final int PAD = 0;

    private final GemmaDecoder decoder;
    private final int maxLength;

    public LoglikelihoodScorer(GemmaDecoder decoder, int maxLength) {
        this.decoder = decoder;
        this.maxLength = maxLength;
    }

    public List<LoglikelihoodResult> score(List<TokenRequest> batch) {
        int rows = batch.size();
        int[][] inputs = new int[rows][];
        int longest = 0;
        for (int r = 0; r < rows; r++) {
            inputs[r] = batch.get(r).input(maxLength);
            longest = Math.max(longest, inputs[r].length);
        }
        int[][] padded = new int[rows][longest];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(inputs[r], 0, padded[r], 0, inputs[r].length);
            java.util.Arrays.fill(padded[r], inputs[r].length, longest, PAD);
        }
        INDArray logits = decoder.logits(padded); // [rows, longest, vocab]
        List<LoglikelihoodResult> results = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            int[] all = batch.get(r).continuation();
            int n = inputs[r].length;
            // A continuation longer than the window keeps only the tokens the window can predict (lm-eval would
            // mis-slice here; rolling windows never ask for more than the context length).
            int[] continuation = all.length <= n ? all : java.util.Arrays.copyOfRange(all, all.length - n, all.length);
            // The last len(continuation) positions predict the continuation (the input ends one token early).
            int first = n - continuation.length;
            double sum = 0;
            boolean greedy = true;
            for (int i = 0; i < continuation.length; i++) {
                float[] row = logits.get(NDArrayIndex.point(r), NDArrayIndex.point(first + i), NDArrayIndex.all())
                        .toFloatVector();
                sum += logSoftmax(row, continuation[i]);
                greedy &= Kernels.argmax(row) == continuation[i];
            }
            results.add(new LoglikelihoodResult(sum, greedy, continuation.length));
        }
        return results;
    }

    /** {@code log softmax(row)[target]}, in double precision. */
    static double logSoftmax(float[] row, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : row) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : row) {
            sum += Math.exp(v - max);
        }
        return row[target] - max - Math.log(sum);
    }
}
