package io.gemmaspark.evaluation.lm;

import java.util.List;

/** Runs scoring and generation requests for one model: in this JVM, or spread over Spark executors. */
public interface RequestBackend {
    /** One result per request, in request order. */
    List<LoglikelihoodResult> loglikelihood(List<TokenRequest> requests);

    /** One generated text per request, in request order. */
    List<String> generate(List<GenerationRequest> requests);
}
