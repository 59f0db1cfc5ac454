package io.gemmaspark.evaluation.tasks;

/** How a task is scored, which decides its requests, metrics and sample fields. */
public enum TaskKind {
    /** Log-likelihood of each choice: acc, acc_norm. */
    MULTIPLE_CHOICE,
    /** Greedy generation with stop sequences, answers extracted by filters: exact_match per filter. */
    GENERATION,
    /** Rolling log-likelihood of whole documents: word_perplexity, byte_perplexity, bits_per_byte. */
    PERPLEXITY,
    /** Generation on harmful and benign prompts scored by the data filters: unsafe, PII and refusal rates. */
    SAFETY
}
