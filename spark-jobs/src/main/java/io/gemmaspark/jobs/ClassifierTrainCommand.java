package io.gemmaspark.jobs;

import io.gemmaspark.config.ConfigLoader;
import io.gemmaspark.jobs.classifier.ClassifierTrainJob;
import io.gemmaspark.jobs.classifier.ClassifierTrainSettings;
import io.gemmaspark.util.UserError;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bin/gemma classifier-train}: a binary text classifier (hashed n-grams, logistic regression) on Spark. */
@Command(name = "classifier-train", mixinStandardHelpOptions = true,
        description = "Train a binary text classifier (Spark MLlib: hashed word and character n-grams, logistic "
                + "regression) on labelled JSONL; writes model/, classifier.json, metrics.json (held-out "
                + "precision/recall/F1/AUC, confusion matrix) and calibration.png to --out.")
public final class ClassifierTrainCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--data", required = true, paramLabel = "PATH",
            description = "Labelled JSONL: a file, directory or glob on any Hadoop path (.gz/.bz2/.zst read "
                    + "transparently). Repeatable.")
    List<String> data = new ArrayList<>();

    @Option(names = "--label", required = true, paramLabel = "FIELD",
            description = "The JSON field holding each record's label (two distinct values).")
    String label;

    @Option(names = "--strict", description = "Fail on the first bad line (malformed JSON, missing or mistyped "
            + "text or label), naming its file and line, instead of counting it.")
    boolean strict;

    @Option(names = "--overwrite", description = "Replace an existing complete output directory.")
    boolean overwrite;

    @Override
    public Integer call() {
        ClassifierTrainSettings settings = ConfigLoader.load(common.confOr("classifier/default"),
                ClassifierTrainSettings.class, common.overrides);
        if (common.out == null) {
            throw new UserError("classifier-train: --out DIR is required");
        }
        ClassifierTrainJob.Request request = new ClassifierTrainJob.Request(List.copyOf(data), label, common.out,
                strict, overwrite, settings);
        try (SparkSession spark = SparkSupport.session("classifier-train", common)) {
            System.out.print(ClassifierTrainJob.describe(ClassifierTrainJob.run(spark, request)));
        }
        return 0;
    }
}
