package io.gemmaspark.evaluation;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gemmaspark.evaluation.lm.GenerationRequest;
import io.gemmaspark.evaluation.metrics.AnswerExtraction;
import io.gemmaspark.evaluation.metrics.Metric;
import io.gemmaspark.evaluation.tasks.Example;
import io.gemmaspark.evaluation.tasks.GenerationItem;
import io.gemmaspark.evaluation.tasks.TaskKind;
import io.gemmaspark.util.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** GSM8K-style generation: greedy answers cut at the stop sequences, scored by exact match under each filter. */
final class GenerationTask {
    private GenerationTask() {
    }

    static TaskResult run(String task, List<Example> examples, List<String> prefixes, ModelContext model) {
        long start = System.nanoTime();
        List<GenerationRequest> requests = new ArrayList<>();
        List<String> prompts = new ArrayList<>();
        for (int e = 0; e < examples.size(); e++) {
            GenerationItem item = (GenerationItem) examples.get(e).item();
            String prompt = model.prompt(prefixes.get(e) + item.prompt());
            prompts.add(prompt);
            requests.add(new GenerationRequest(model.encoder().encodePrompt(prompt), model.stopSequences(), model.stopIds(),
                    model.settings().maxGenTokens()));
        }
        List<String> generations = model.backend().generate(requests);

        Map<String, double[]> scores = new LinkedHashMap<>();
        AnswerExtraction.FILTERS.forEach(f -> scores.put(f, new double[examples.size()]));
        List<ObjectNode> samples = new ArrayList<>();
        for (int e = 0; e < examples.size(); e++) {
            GenerationItem item = (GenerationItem) examples.get(e).item();
            ObjectNode sample = Json.MAPPER.createObjectNode();
            sample.put("doc_id", examples.get(e).docId());
            sample.put("prompt", prompts.get(e));
            sample.put("generation", generations.get(e));
            ObjectNode extracted = sample.putObject("extracted");
            ObjectNode match = Json.MAPPER.createObjectNode();
            for (String filter : AnswerExtraction.FILTERS) {
                String answer = AnswerExtraction.extract(filter, generations.get(e));
                extracted.put(filter, answer);
                double score = AnswerExtraction.exactMatch(answer, item.target()) ? 1 : 0;
                scores.get(filter)[e] = score;
                match.put(filter, score);
            }
            sample.put("target", item.target());
            sample.set("exact_match", match);
            samples.add(sample);
        }
        Map<String, Metric> metrics = new LinkedHashMap<>();
        scores.forEach((filter, values) -> metrics.put("exact_match," + filter, Metric.mean(values)));
        ObjectNode config = Json.MAPPER.createObjectNode();
        config.put("output_type", "generate_until");
        config.set("until", MultipleChoiceTask.strings(model.stopSequences()));
        config.put("max_gen_toks", model.settings().maxGenTokens());
        config.put("do_sample", false);
        return new TaskResult(task, TaskKind.GENERATION, metrics, examples.size(), List.of(), requests.size(),
                (System.nanoTime() - start) / 1e9, config, samples);
    }
}
