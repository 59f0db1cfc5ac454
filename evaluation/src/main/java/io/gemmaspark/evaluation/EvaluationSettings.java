package io.gemmaspark.evaluation;

import io.gemmaspark.config.Default;
import io.gemmaspark.config.Range;
import java.io.Serializable;

/**
 * Settings of an evaluation run ({@code conf/evaluate/default.yaml}; the command-line options override them).
 *
 * @param numFewshot       few-shot examples per question; -1 uses each task's default (GSM8K 5, others 0)
 * @param limit            at most this many examples per task; 0 for all
 * @param seed             seeds the few-shot draw
 * @param chat             wrap prompts in the Gemma chat template (instruction-tuned checkpoints)
 * @param strict           a bad task record fails the job instead of being skipped and counted
 * @param maxGenTokens     generation budget of GSM8K answers (lm-eval's max_gen_toks)
 * @param safetyMaxTokens  generation budget of safety answers
 * @param batchRows        most requests per batch
 * @param batchTokens      most padded tokens per scoring batch
 */
public record EvaluationSettings(
        @Default("-1") @Range(min = -1) int numFewshot,
        @Default("0") @Range(min = 0) int limit,
        @Default("1234") long seed,
        @Default("false") boolean chat,
        @Default("false") boolean strict,
        @Default("256") @Range(min = 1) int maxGenTokens,
        @Default("64") @Range(min = 1) int safetyMaxTokens,
        @Default("16") @Range(min = 1) int batchRows,
        @Default("4096") @Range(min = 1) long batchTokens) implements Serializable {

    public static final String DEFAULT = "evaluate/default";

    public EvaluationSettings withOverrides(Integer fewshot, Integer limitOverride, Long seedOverride, boolean chatFlag,
                                            boolean strictFlag) {
        return new EvaluationSettings(fewshot != null ? fewshot : numFewshot, limitOverride != null ? limitOverride : limit,
                seedOverride != null ? seedOverride : seed, chat || chatFlag, strict || strictFlag, maxGenTokens,
                safetyMaxTokens, batchRows, batchTokens);
    }
}
