package io.gemmaspark.evaluation;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gemmaspark.evaluation.lm.LoglikelihoodResult;
import io.gemmaspark.evaluation.lm.RollingWindows;
import io.gemmaspark.evaluation.lm.TokenRequest;
import io.gemmaspark.evaluation.metrics.CorpusPerplexity;
import io.gemmaspark.evaluation.metrics.Metric;
import io.gemmaspark.evaluation.tasks.Example;
import io.gemmaspark.evaluation.tasks.TaskKind;
import io.gemmaspark.util.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rolling log-likelihood of whole documents over disjoint windows of the model's context length, reported as
 * lm-eval's corpus-weighted word and byte perplexity and bits per byte (no standard error, as lm-eval).
 */
final class PerplexityTask {
    private PerplexityTask() {
    }

    static TaskResult run(String task, List<Example> examples, ModelContext model) {
        long start = System.nanoTime();
        List<TokenRequest> requests = new ArrayList<>();
        int[] windowCount = new int[examples.size()];
        int[] tokenCount = new int[examples.size()];
        for (int e = 0; e < examples.size(); e++) {
            int[] tokens = model.codec().encode((String) examples.get(e).item());
            List<TokenRequest> windows = RollingWindows.of(tokens, model.files().bosId(), model.files().maxLength());
            requests.addAll(windows);
            windowCount[e] = windows.size();
            tokenCount[e] = tokens.length;
        }
        List<LoglikelihoodResult> results = model.backend().loglikelihood(requests);

        CorpusPerplexity corpus = new CorpusPerplexity();
        List<ObjectNode> samples = new ArrayList<>();
        int next = 0;
        for (int e = 0; e < examples.size(); e++) {
            String text = (String) examples.get(e).item();
            double ll = 0;
            for (int w = 0; w < windowCount[e]; w++) {
                ll += results.get(next++).logprob();
            }
            long words = CorpusPerplexity.words(text);
            long bytes = CorpusPerplexity.bytes(text);
            corpus.add(ll, words, bytes);
            ObjectNode sample = Json.MAPPER.createObjectNode();
            sample.put("doc_id", examples.get(e).docId());
            sample.put("loglikelihood", ll);
            sample.put("tokens", tokenCount[e]);
            sample.put("windows", windowCount[e]);
            sample.put("bytes", bytes);
            sample.put("words", words);
            samples.add(sample);
        }
        Map<String, Metric> metrics = new LinkedHashMap<>();
        metrics.put("word_perplexity", new Metric(corpus.wordPerplexity(), null));
        metrics.put("byte_perplexity", new Metric(corpus.bytePerplexity(), null));
        metrics.put("bits_per_byte", new Metric(corpus.bitsPerByte(), null));
        ObjectNode config = Json.MAPPER.createObjectNode();
        config.put("output_type", "loglikelihood_rolling");
        config.put("max_length", model.files().maxLength());
        return new TaskResult(task, TaskKind.PERPLEXITY, metrics, examples.size(), List.of(), requests.size(),
                (System.nanoTime() - start) / 1e9, config, samples);
    }
}
