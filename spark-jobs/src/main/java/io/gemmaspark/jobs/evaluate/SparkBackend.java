package io.gemmaspark.jobs.evaluate;

import io.gemmaspark.evaluation.lm.BatchSettings;
import io.gemmaspark.evaluation.lm.GenerationRequest;
import io.gemmaspark.evaluation.lm.LoadedModel;
import io.gemmaspark.evaluation.lm.LoglikelihoodResult;
import io.gemmaspark.evaluation.lm.ModelFiles;
import io.gemmaspark.evaluation.lm.RequestBackend;
import io.gemmaspark.evaluation.lm.TokenRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

/**
 * Runs a model's requests on Spark executors. The driver plans the batches (similar lengths together, a plan that
 * does not depend on the number of workers) and spreads whole batches over {@code workers} partitions; each
 * executor loads the model once ({@link LoadedModel}'s per-JVM cache) and scores its batches. Results come back
 * as primitive arrays and tuples and batches travel as Java-serialised bytes, which Kryo handles (it cannot serialise Java records on Java 17).
 */
public final class SparkBackend implements RequestBackend {
    private final JavaSparkContext sc;
    private final ModelFiles files;
    private final BatchSettings batching;
    private final int workers;

    public SparkBackend(JavaSparkContext sc, ModelFiles files, BatchSettings batching, int workers) {
        this.sc = sc;
        this.files = files;
        this.batching = batching;
        this.workers = workers;
    }

    @Override
    public List<LoglikelihoodResult> loglikelihood(List<TokenRequest> requests) {
        if (requests.isEmpty()) {
            return List.of();
        }
        List<List<BatchSettings.Indexed<TokenRequest>>> batches = batching.scoring(requests, files.maxLength());
        ModelFiles model = files;
        List<double[]> scored = sc.parallelize(slices(batches), Math.min(workers, batches.size())).flatMap(bytes -> {
            List<BatchSettings.Indexed<TokenRequest>> batch = JavaBytes.read(bytes);
            List<LoglikelihoodResult> results = LoadedModel.get(model)
                    .score(batch.stream().map(BatchSettings.Indexed::value).toList(), model.maxLength());
            List<double[]> rows = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                LoglikelihoodResult r = results.get(i);
                rows.add(new double[] {batch.get(i).index(), r.logprob(), r.greedy() ? 1 : 0, r.tokens()});
            }
            return rows.iterator();
        }).collect();
        LoglikelihoodResult[] out = new LoglikelihoodResult[requests.size()];
        for (double[] row : scored) {
            out[(int) row[0]] = new LoglikelihoodResult(row[1], row[2] != 0, (int) row[3]);
        }
        return new ArrayList<>(Arrays.asList(out));
    }

    @Override
    public List<String> generate(List<GenerationRequest> requests) {
        if (requests.isEmpty()) {
            return List.of();
        }
        List<List<BatchSettings.Indexed<GenerationRequest>>> batches = batching.generation(requests);
        ModelFiles model = files;
        List<Tuple2<Integer, String>> generated = sc.parallelize(slices(batches), Math.min(workers, batches.size())).flatMap(bytes -> {
            List<BatchSettings.Indexed<GenerationRequest>> batch = JavaBytes.read(bytes);
            List<String> texts = LoadedModel.get(model)
                    .generate(batch.stream().map(BatchSettings.Indexed::value).toList(), model.maxLength());
            List<Tuple2<Integer, String>> rows = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                rows.add(new Tuple2<>(batch.get(i).index(), texts.get(i)));
            }
            return rows.iterator();
        }).collect();
        String[] out = new String[requests.size()];
        for (Tuple2<Integer, String> row : generated) {
            out[row._1()] = row._2();
        }
        return new ArrayList<>(Arrays.asList(out));
    }

    /** Each batch Java-serialised: Spark ships partition data with Kryo, which cannot write records. */
    private static <T extends java.io.Serializable> List<byte[]> slices(List<List<T>> batches) {
        List<byte[]> out = new ArrayList<>();
        for (List<T> batch : batches) {
            out.add(JavaBytes.write(new ArrayList<>(batch)));
        }
        return out;
    }
}
