package io.gemmaspark.evaluation;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gemmaspark.evaluation.lm.LoglikelihoodResult;
import io.gemmaspark.evaluation.lm.TokenRequest;
import io.gemmaspark.evaluation.metrics.Metric;
import io.gemmaspark.evaluation.tasks.Example;
import io.gemmaspark.evaluation.tasks.MultipleChoiceItem;
import io.gemmaspark.util.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Multiple choice as lm-eval scores it: each choice's continuation log-likelihood; {@code acc} is right when the
 * most likely choice is the gold one, {@code acc_norm} when the most likely per character is (not for WinoGrande,
 * whose choices share one continuation). Ties go to the first choice, as {@code np.argmax} does.
 */
final class MultipleChoiceTask {
    private MultipleChoiceTask() {
    }

    static TaskResult run(String task, List<Example> examples, List<String> prefixes, ModelContext model) {
        long start = System.nanoTime();
        List<TokenRequest> requests = new ArrayList<>();
        List<List<String>> contexts = new ArrayList<>();
        for (int e = 0; e < examples.size(); e++) {
            MultipleChoiceItem item = (MultipleChoiceItem) examples.get(e).item();
            List<String> full = new ArrayList<>();
            for (int c = 0; c < item.choices().size(); c++) {
                String context = model.prompt(prefixes.get(e) + item.contexts().get(c));
                full.add(context);
                requests.add(model.encoder().encode(context, item.continuations().get(c)));
            }
            contexts.add(full);
        }
        List<LoglikelihoodResult> results = model.backend().loglikelihood(requests);

        boolean partial = !examples.isEmpty() && ((MultipleChoiceItem) examples.get(0).item()).partial();
        double[] acc = new double[examples.size()];
        double[] accNorm = new double[examples.size()];
        List<ObjectNode> samples = new ArrayList<>();
        int next = 0;
        for (int e = 0; e < examples.size(); e++) {
            MultipleChoiceItem item = (MultipleChoiceItem) examples.get(e).item();
            int n = item.choices().size();
            double[] ll = new double[n];
            double[] normalised = new double[n];
            ObjectNode sample = Json.MAPPER.createObjectNode();
            sample.put("doc_id", examples.get(e).docId());
            if (contexts.get(e).stream().distinct().count() == 1) {
                sample.put("context", contexts.get(e).get(0));
            } else {
                sample.set("context", strings(contexts.get(e)));
            }
            sample.set("continuations", strings(item.continuations()));
            ArrayNode lls = sample.putArray("loglikelihoods");
            ArrayNode counts = sample.putArray("token_counts");
            ArrayNode greedy = sample.putArray("is_greedy");
            for (int c = 0; c < n; c++) {
                LoglikelihoodResult r = results.get(next++);
                ll[c] = r.logprob();
                normalised[c] = r.logprob() / item.choices().get(c).length();
                lls.add(r.logprob());
                counts.add(r.tokens());
                greedy.add(r.greedy());
            }
            acc[e] = argmax(ll) == item.gold() ? 1 : 0;
            accNorm[e] = argmax(normalised) == item.gold() ? 1 : 0;
            sample.put("target", item.gold());
            sample.put("acc", acc[e]);
            if (!partial) {
                sample.put("acc_norm", accNorm[e]);
            }
            samples.add(sample);
        }
        Map<String, Metric> metrics = new LinkedHashMap<>();
        metrics.put("acc", Metric.mean(acc));
        if (!partial) {
            metrics.put("acc_norm", Metric.mean(accNorm));
        }
        ObjectNode config = Json.MAPPER.createObjectNode();
        config.put("output_type", "multiple_choice");
        config.put("target_delimiter", MultipleChoiceItem.TARGET_DELIMITER);
        return new TaskResult(task, io.gemmaspark.evaluation.tasks.TaskKind.MULTIPLE_CHOICE, metrics, examples.size(),
                List.of(), requests.size(), (System.nanoTime() - start) / 1e9, config, samples);
    }

    /** The first index of the largest value. */
    static int argmax(double[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    static ArrayNode strings(List<String> values) {
        ArrayNode array = Json.MAPPER.createArrayNode();
        values.forEach(array::add);
        return array;
    }
}
