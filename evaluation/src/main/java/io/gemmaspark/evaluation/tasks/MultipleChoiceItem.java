package io.gemmaspark.evaluation.tasks;

import java.util.Collections;
import java.util.List;

/**
 * One multiple-choice question as lm-eval scores it: choice i is the continuation {@code continuations[i]} after
 * {@code contexts[i]}. Usually every context is the question and each continuation is {@code " " + choice};
 * WinoGrande's partial scoring turns that round (the contexts differ, the continuation is the shared suffix).
 *
 * @param choices the choice texts without the delimiter; their character lengths normalise {@code acc_norm}
 */
public record MultipleChoiceItem(List<String> contexts, List<String> continuations, List<String> choices, int gold,
                                 boolean partial) {
    public static final String TARGET_DELIMITER = " ";

    public static MultipleChoiceItem standard(String question, List<String> choices, int gold) {
        return new MultipleChoiceItem(Collections.nCopies(choices.size(), question),
                choices.stream().map(c -> TARGET_DELIMITER + c).toList(), List.copyOf(choices), gold, false);
    }

    /** WinoGrande: each option completes the sentence's start; the rest of the sentence is what gets scored. */
    public static MultipleChoiceItem partial(List<String> contexts, String suffix, int gold) {
        return new MultipleChoiceItem(List.copyOf(contexts), Collections.nCopies(contexts.size(), TARGET_DELIMITER + suffix),
                List.copyOf(contexts), gold, true);
    }

    /** The solved example as it appears among the few-shot examples. */
    public String solved() {
        return contexts.get(gold) + continuations.get(gold);
    }
}
