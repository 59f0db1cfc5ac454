package io.gemmaspark.evaluation.tasks;

/** A generative question: the prompt text ({@code "Question: ...\nAnswer:"}) and the reference answer. */
public record GenerationItem(String prompt, String target) {
    public String solved() {
        return prompt + MultipleChoiceItem.TARGET_DELIMITER + target;
    }
}
