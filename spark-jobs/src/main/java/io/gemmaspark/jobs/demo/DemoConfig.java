package io.gemmaspark.jobs.demo;

import io.gemmaspark.config.Default;
import io.gemmaspark.config.Range;
import java.util.List;

/**
 * Settings of {@code bin/gemma demo} ({@code conf/pipeline/demo.yaml}).
 *
 * @param out     directory under which each stage writes its output
 * @param inputs  raw corpora (files, directories or globs; any Hadoop path)
 * @param prepare prepare-job settings (readers, near-dup bucketing, output), a path or a name under conf/
 * @param filters filter configuration, a path or a name under conf/
 * @param model   model preset, a path or a name under conf/
 * @param tokenizer tokenizer training settings, a path or a name under conf/
 * @param tokenize  token packing settings, a path or a name under conf/
 * @param pretrain pretraining configuration, a path or a name under conf/ (its data is the demo's token shards)
 * @param evaluateTasks the evaluate stage's --tasks, run on every checkpoint pretraining kept
 * @param sft     SFT configuration (conf/sft/), started from the demo's pretrained checkpoint
 * @param reward  reward-model configuration (conf/reward/), on the SFT checkpoint
 * @param rlhf    RLOO configuration (conf/rlhf/), from the SFT policy against that reward model
 * @param instructText  instruction-like text (JSONL, records with {@code source: instruct}) added to the tokenizer's
 *                      corpus and, when {@code instructShare > 0}, to pretraining; "" for none ({@link InstructMix})
 * @param instructShare its weight in every pretraining stage's mixture, the configured components sharing the rest
 * @param instructTokenizerWeight how many times its words count in the tokenizer's corpus
 */
public record DemoConfig(
        String out,
        @Default("local[*]") String master,
        List<String> inputs,
        @Default("prepare/default") String prepare,
        String filters,
        String model,
        @Default("tokenizer/demo") String tokenizer,
        @Default("tokenize/demo") String tokenize,
        @Default("pretrain/tiny") String pretrain,
        @Default("hellaswag,arc_easy,arc_challenge,piqa,boolq,winogrande,mmlu,gsm8k,perplexity,safety")
        String evaluateTasks,
        @Default("sft/tiny") String sft,
        @Default("reward/tiny") String reward,
        @Default("rlhf/tiny") String rlhf,
        @Default("''") String instructText,
        @Default("0") @Range(min = 0, max = 0.9) double instructShare,
        @Default("1") @Range(min = 1) int instructTokenizerWeight) {

    /** The settings before the evaluate stage existed: it runs on every task's sample. */
    public DemoConfig(String out, String master, List<String> inputs, String prepare, String filters, String model,
                      String tokenizer, String tokenize, String pretrain) {
        this(out, master, inputs, prepare, filters, model, tokenizer, tokenize, pretrain, DEFAULT_EVALUATE_TASKS,
                "sft/tiny", "reward/tiny", "rlhf/tiny", "", 0, 1);
    }

    public static final String DEFAULT_EVALUATE_TASKS =
            "hellaswag,arc_easy,arc_challenge,piqa,boolq,winogrande,mmlu,gsm8k,perplexity,safety";

    /** The same settings writing under {@code out} (the demo's {@code --out DIR}). */
    public DemoConfig withOut(String out) {
        return new DemoConfig(out, master, inputs, prepare, filters, model, tokenizer, tokenize, pretrain,
                evaluateTasks, sft, reward, rlhf, instructText, instructShare, instructTokenizerWeight);
    }
}
