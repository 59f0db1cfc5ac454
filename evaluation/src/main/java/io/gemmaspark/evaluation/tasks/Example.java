package io.gemmaspark.evaluation.tasks;

/**
 * One parsed task record.
 *
 * @param item        a {@link MultipleChoiceItem}, {@link GenerationItem}, {@link SafetyPrompt} or, for perplexity,
 *                    the document's text
 * @param description text placed before the few-shot examples (MMLU names the subject), or ""
 * @param group       few-shot examples come from the same group when it has any (MMLU's subject), or ""
 */
public record Example(int docId, Object item, String description, String group) {
}
