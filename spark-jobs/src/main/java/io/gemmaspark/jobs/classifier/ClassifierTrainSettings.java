package io.gemmaspark.jobs.classifier;

import io.gemmaspark.config.Default;
import io.gemmaspark.config.Range;
import io.gemmaspark.filtering.classifier.TextFeatures;
import java.io.Serializable;

/**
 * Options of {@code classifier-train}, bound from conf/classifier/*.yaml (documented in conf/classifier/default.yaml).
 *
 * @param textField       the JSONL field holding the document text
 * @param positiveLabel   the label whose probability is the score; null for the last label in sorted order
 * @param heldOutFraction fraction of valid records held out of training for the metrics
 * @param calibrationBins bins of predicted probability in the calibration plot
 */
public record ClassifierTrainSettings(String textField, @Default("null") String positiveLabel,
                                      @Range(min = 0.01, max = 0.9) double heldOutFraction, long seed,
                                      @Range(min = 2, max = 100) int calibrationBins, TextFeatures features,
                                      LogisticRegression logisticRegression) implements Serializable {

    /** MLlib LogisticRegression parameters. */
    public record LogisticRegression(@Range(min = 0) double regParam, @Range(min = 0, max = 1) double elasticNetParam,
                                     @Range(min = 1) int maxIter, boolean standardization) implements Serializable {
    }
}
