package io.gemmaspark.jobs.demo;

import io.gemmaspark.jobs.CommonOptions;
import io.gemmaspark.jobs.PretrainCommand;
import io.gemmaspark.training.config.PretrainConfig;
import io.gemmaspark.util.AtomicOutput;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * The demo's pretraining stage: {@code demo.pretrain} (conf/pretrain/tiny.yaml) on the token shards that the
 * tokenize stage wrote under {@code <out>/tokens}, into {@code <out>/pretrain}, with the demo's tokenizer in
 * every checkpoint, and the instruction-like text mixed into every stage when the demo sets a share
 * ({@link InstructMix}).
 */
public final class PretrainStage {
    private PretrainStage() {
    }

    /** Returns the exit status; skips (0) with a note when there are no token shards yet. */
    public static int run(DemoConfig demo, CommonOptions common) {
        String tokens = demo.out() + "/tokens";
        if (!AtomicOutput.isComplete(tokens, new Configuration())) {
            System.out.println("demo: pretrain skipped: no complete token shards at " + tokens
                    + " (the tokenize stage writes them)");
            return 0;
        }
        CommonOptions options = new CommonOptions();
        options.conf = demo.pretrain();
        options.master = common.master;
        options.out = demo.out() + "/pretrain";
        // The tokenizer travels inside every checkpoint so that generate can take text prompts.
        options.overrides = new ArrayList<>(List.of("data=" + tokens,
                "tokenizer=" + demo.out() + "/tokenizer/tokenizer.model"));
        options.overrides.addAll(InstructMix.stagesOverride(demo,
                PretrainConfig.load(demo.pretrain(), options.overrides).stages()));
        options.verbose = common.verbose;
        return PretrainCommand.forDemo(options);
    }
}
