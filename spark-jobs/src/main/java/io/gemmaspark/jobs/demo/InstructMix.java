package io.gemmaspark.jobs.demo;

import io.gemmaspark.training.config.MixtureComponent;
import io.gemmaspark.training.config.StageConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The demo's instruction-like text ({@code instruct_text}, {@code instruct_share} of conf/pipeline/demo.yaml): the
 * SFT training conversations as plain text, added to the tokenizer's corpus and, with a share above 0, to every
 * pretraining stage's mixture. Real pretraining mixtures carry instruction-like data; here, upweighted in the
 * tokenizer's corpus, it also gives the task words pieces of their own (in the prompt, bare and upper-cased in the
 * reply) instead of near-byte pieces, and lets the model meet the tasks before SFT teaches it the chat format.
 * The text is curated data, read as is and not through prepare's web-text filters (which drop short documents
 * and harmful-request text on purpose).
 */
final class InstructMix {
    /** The {@code source} the text's records carry; the added mixture component selects it. */
    static final String SOURCE = "instruct";

    private InstructMix() {
    }

    /** What the tokenizer is trained on: the clean documents and the instruction-like text, if any. */
    static List<String> tokenizerInputs(DemoConfig demo, String cleanDocs) {
        return demo.instructText().isEmpty() ? List.of(cleanDocs)
                : List.of(cleanDocs, PrepareStage.underHome(demo.instructText()));
    }

    /** The text's words count {@code instruct_tokenizer_weight} times in the tokenizer's corpus. */
    static Map<String, Integer> tokenizerWeights(DemoConfig demo) {
        return demo.instructText().isEmpty() ? Map.of()
                : Map.of(PrepareStage.underHome(demo.instructText()), demo.instructTokenizerWeight());
    }

    /** What is packed into token shards: the text joins the clean documents only when pretraining mixes it in. */
    static List<String> tokenizeInputs(DemoConfig demo, String cleanDocs) {
        return demo.instructShare() > 0 ? tokenizerInputs(demo, cleanDocs) : List.of(cleanDocs);
    }

    /**
     * A {@code stages=...} override of the pretraining configuration in which the instruction-like text is
     * {@code instructShare} of each stage's weight and the configured components share the rest in their
     * configured proportions; empty when there is nothing to mix in. (Components matching any source also
     * draw the text at its natural share, 3.5% of the demo's tokens.)
     */
    static List<String> stagesOverride(DemoConfig demo, List<StageConfig> stages) {
        if (demo.instructText().isEmpty() || demo.instructShare() <= 0) {
            return List.of();
        }
        List<Map<String, Object>> mixed = new ArrayList<>();
        for (StageConfig stage : stages) {
            List<Map<String, Object>> mixture = new ArrayList<>();
            for (MixtureComponent component : stage.mixture()) {
                mixture.add(component(component.quality(), component.source(),
                        (1 - demo.instructShare()) * component.weight() / stage.totalWeight()));
            }
            mixture.add(component("*", SOURCE, demo.instructShare()));
            Map<String, Object> yaml = new LinkedHashMap<>();
            yaml.put("name", stage.name());
            yaml.put("tokens", stage.tokens());
            yaml.put("mixture", mixture);
            mixed.add(yaml);
        }
        DumperOptions flow = new DumperOptions();
        flow.setDefaultFlowStyle(DumperOptions.FlowStyle.FLOW);
        flow.setWidth(Integer.MAX_VALUE);
        return List.of("stages=" + new Yaml(flow).dump(mixed).strip());
    }

    private static Map<String, Object> component(String quality, String source, double weight) {
        Map<String, Object> yaml = new LinkedHashMap<>();
        yaml.put("quality", quality);
        yaml.put("source", source);
        yaml.put("weight", weight);
        return yaml;
    }
}
