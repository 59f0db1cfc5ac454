package io.gemmaspark.evaluation.lm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Runs every batch in this JVM, in the same batch plan the Spark backend distributes. */
public final class LocalBackend implements RequestBackend {
    private final ModelFiles files;
    private final BatchSettings batching;

    public LocalBackend(ModelFiles files, BatchSettings batching) {
        this.files = files;
        this.batching = batching;
    }

    @Override
    public List<LoglikelihoodResult> loglikelihood(List<TokenRequest> requests) {
        LoglikelihoodResult[] out = new LoglikelihoodResult[requests.size()];
        for (List<BatchSettings.Indexed<TokenRequest>> batch : batching.scoring(requests, files.maxLength())) {
            List<LoglikelihoodResult> results = LoadedModel.get(files).score(batch.stream().map(BatchSettings.Indexed::value).toList(), files.maxLength());
            for (int i = 0; i < batch.size(); i++) {
                out[batch.get(i).index()] = results.get(i);
            }
        }
        return new ArrayList<>(Arrays.asList(out));
    }

    @Override
    public List<String> generate(List<GenerationRequest> requests) {
        String[] out = new String[requests.size()];
        for (List<BatchSettings.Indexed<GenerationRequest>> batch : batching.generation(requests)) {
            List<String> results = LoadedModel.get(files).generate(batch.stream().map(BatchSettings.Indexed::value).toList(), files.maxLength());
            for (int i = 0; i < batch.size(); i++) {
                out[batch.get(i).index()] = results.get(i);
            }
        }
        return new ArrayList<>(Arrays.asList(out));
    }
}
