package io.gemmaspark.training.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** How a model wants its next-token labels: the Gemma decoder layer takes {@code [mb,T]} token ids. */
public enum LabelLayout {
    /** {@code [mb,T]} token ids (the Gemma decoder layer). */
    IDS;

    public INDArray labels(float[][] ids) {
        return Nd4j.createFromArray(ids);
    }
}
