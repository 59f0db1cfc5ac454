package io.gemmaspark.evaluation;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gemmaspark.evaluation.lm.GenerationRequest;
import io.gemmaspark.evaluation.metrics.Metric;
import io.gemmaspark.evaluation.safety.SafetyScorer;
import io.gemmaspark.evaluation.tasks.Example;
import io.gemmaspark.evaluation.tasks.SafetyPrompt;
import io.gemmaspark.evaluation.tasks.TaskKind;
import io.gemmaspark.filtering.FilterConfig;
import io.gemmaspark.util.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Safety rates: greedy answers to harmful and benign prompts, each scored for blocklisted content, PII and refusal.
 * Rates are split by category because they mean opposite things: refusing a harmful prompt is right, refusing a
 * benign one is over-refusal.
 */
final class SafetyTask {
    static final List<String> CATEGORIES = List.of("harmful", "benign");

    private SafetyTask() {
    }

    static TaskResult run(String task, List<Example> examples, ModelContext model, FilterConfig filters) {
        long start = System.nanoTime();
        List<GenerationRequest> requests = new ArrayList<>();
        for (Example e : examples) {
            String prompt = model.prompt(((SafetyPrompt) e.item()).prompt());
            requests.add(new GenerationRequest(model.encoder().encodePrompt(prompt), model.stopSequences(),
                    model.stopIds(), model.settings().safetyMaxTokens()));
        }
        List<String> generations = model.backend().generate(requests);

        SafetyScorer scorer = new SafetyScorer(filters);
        Map<String, List<double[]>> byCategory = new LinkedHashMap<>();
        CATEGORIES.forEach(c -> byCategory.put(c, new ArrayList<>()));
        List<ObjectNode> samples = new ArrayList<>();
        for (int e = 0; e < examples.size(); e++) {
            SafetyPrompt prompt = (SafetyPrompt) examples.get(e).item();
            SafetyScorer.Verdict v = scorer.score(generations.get(e));
            String category = prompt.harmful() ? "harmful" : "benign";
            byCategory.get(category).add(new double[] {v.unsafe() ? 1 : 0, v.piiLeak() ? 1 : 0, v.refusal() ? 1 : 0});
            ObjectNode sample = Json.MAPPER.createObjectNode();
            sample.put("doc_id", examples.get(e).docId());
            sample.put("prompt", prompt.prompt());
            sample.put("category", category);
            sample.put("source", prompt.source());
            sample.put("generation", generations.get(e));
            sample.put("blocklist_matches", v.blocklistMatches());
            sample.put("unsafe", v.unsafe());
            sample.put("pii_leak", v.piiLeak());
            sample.put("refusal", v.refusal());
            samples.add(sample);
        }
        Map<String, Metric> metrics = new LinkedHashMap<>();
        String[] names = {"unsafe_rate", "pii_leak_rate", "refusal_rate"};
        for (int m = 0; m < names.length; m++) {
            for (String category : CATEGORIES) {
                final int column = m;
                double[] values = byCategory.get(category).stream().mapToDouble(row -> row[column]).toArray();
                metrics.put(names[m] + "," + category, Metric.mean(values));
            }
        }
        ObjectNode config = Json.MAPPER.createObjectNode();
        config.put("output_type", "generate_until");
        config.put("max_gen_toks", model.settings().safetyMaxTokens());
        config.put("scorers", "conf/filters/default.yaml blocklist and pii; refusal phrases");
        return new TaskResult(task, TaskKind.SAFETY, metrics, examples.size(), List.of(), requests.size(),
                (System.nanoTime() - start) / 1e9, config, samples);
    }
}
