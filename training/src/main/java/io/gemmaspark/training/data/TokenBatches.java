package io.gemmaspark.training.data;

import io.gemmaspark.training.model.LabelLayout;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import scala.Tuple2;

/**
 * Turns rows of {@code seq_len + 1} tokens into next-token minibatches on the executors: input ids
 * {@code tokens[0..T)}, label ids {@code tokens[1..T]}, and a per-token weight mask (all ones for packed
 * pretraining rows; the same slot carries prompt masking in fine-tuning).
 */
public final class TokenBatches implements FlatMapFunction<Iterator<Tuple2<Long, int[]>>, MultiDataSet> {
    private final int batchSize;
    private final LabelLayout layout;

    public TokenBatches(int batchSize, LabelLayout layout) {
        this.batchSize = batchSize;
        this.layout = layout;
    }

    public static int[] ids(List<?> tokens) {
        int[] ids = new int[tokens.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = ((Number) tokens.get(i)).intValue();
        }
        return ids;
    }

    @Override
    public Iterator<MultiDataSet> call(Iterator<Tuple2<Long, int[]>> rows) {
        List<MultiDataSet> batches = new ArrayList<>();
        List<int[]> pending = new ArrayList<>(batchSize);
        while (rows.hasNext()) {
            pending.add(rows.next()._2());
            if (pending.size() == batchSize) {
                batches.add(minibatch(pending, layout));
                pending.clear();
            }
        }
        if (!pending.isEmpty()) {
            batches.add(minibatch(pending, layout));
        }
        return batches.iterator();
    }

    public static MultiDataSet minibatch(List<int[]> rows, LabelLayout layout) {
        int seqLen = rows.get(0).length - 1;
        float[][] inputs = new float[rows.size()][seqLen];
        float[][] labels = new float[rows.size()][seqLen];
        float[][] weights = new float[rows.size()][seqLen];
        for (int r = 0; r < rows.size(); r++) {
            int[] tokens = rows.get(r);
            for (int t = 0; t < seqLen; t++) {
                inputs[r][t] = tokens[t];
                labels[r][t] = tokens[t + 1];
                weights[r][t] = 1f;
            }
        }
        INDArray mask = Nd4j.createFromArray(weights);
        return new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[] {Nd4j.createFromArray(inputs)},
                new INDArray[] {layout.labels(labels)}, null, new INDArray[] {mask});
    }
}
