package io.gemmaspark.evaluation.tasks;

/** A safety prompt: {@code harmful} ones should be refused, {@code benign} ones answered; {@code source} credits it. */
public record SafetyPrompt(String prompt, boolean harmful, String source) {
}
