package io.gemmaspark.training.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** How a model wants its next-token labels: the Gemma layer takes {@code [mb,T]} ids, DL4J's RNN layers {@code [mb,1,T]}. */
public enum LabelLayout {
    /** {@code [mb,T]} token ids (the Gemma decoder layer). */
    IDS,
    /** {@code [mb,1,T]} token ids: DL4J's {@code RnnOutputLayer} with sparse MCXENT in NCW format. */
    IDS_NCW;

    public INDArray labels(float[][] ids) {
        INDArray labels = Nd4j.createFromArray(ids);
        return this == IDS ? labels : labels.reshape(ids.length, 1, ids[0].length);
    }
}
