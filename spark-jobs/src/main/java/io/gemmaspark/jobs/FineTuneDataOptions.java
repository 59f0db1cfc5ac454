package io.gemmaspark.jobs;

import io.gemmaspark.jobs.FineTuneOptions.Setting;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The start checkpoint and the training and held-out data of the commands that train on a dataset (sft,
 * reward-train); what the records are is the command's own (conversations, preference pairs).
 */
public final class FineTuneDataOptions {
    @Option(names = "--model", paramLabel = "CKPT", description = "Checkpoint to start from: a checkpoint, a "
            + "checkpoint store (its newest valid checkpoint) or a Hugging Face directory (key: model).")
    String model;

    @Option(names = "--data", paramLabel = "PATH", description = "Training JSONL, any Hadoop path or glob (key: data).")
    String data;

    @Option(names = "--eval-data", paramLabel = "PATH", description = "Held-out JSONL (key: eval_data).")
    String evalData;

    /** These options as configuration settings, followed by the command's {@code more}. */
    List<Setting> settings(Setting... more) {
        List<Setting> settings = new ArrayList<>(List.of(new Setting("model", model), new Setting("data", data),
                new Setting("eval_data", evalData)));
        settings.addAll(List.of(more));
        return settings;
    }
}
