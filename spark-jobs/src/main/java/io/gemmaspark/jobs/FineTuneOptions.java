package io.gemmaspark.jobs;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What the fine-tuning commands (sft, reward-train, rlhf) share: the common options, {@code --strict} and
 * {@code --resume}, and the configuration overrides their options stand for. Every fine-tuning option is also a
 * key of the command's YAML file; an option given on the command line overrides that key.
 */
public final class FineTuneOptions {
    @Mixin
    CommonOptions common;

    @Option(names = "--strict", description = "Fail on the first bad record instead of counting it (key: strict).")
    boolean strict;

    @Option(names = "--resume", description = "Continue from the newest intact checkpoint under --out.")
    boolean resume;

    /**
     * One of a command's own options as the configuration key it sets.
     *
     * @param value the option's value; null (an option not given) or false (a flag left off) sets nothing
     */
    public record Setting(String key, Object value) {
        boolean given() {
            return value != null && !Boolean.FALSE.equals(value);
        }
    }

    /** {@link #overrides(List)} of the given settings. */
    List<String> overrides(Setting... own) {
        return overrides(List.of(own));
    }

    /**
     * The overrides for the command's configuration: each of its own options that was given, as
     * {@code key=value}, then {@code --strict}, then every {@code --set}, last so that it wins.
     */
    List<String> overrides(List<Setting> own) {
        List<String> overrides = new ArrayList<>();
        for (Setting setting : own) {
            if (setting.given()) {
                overrides.add(setting.key() + "=" + setting.value());
            }
        }
        if (strict) {
            overrides.add("strict=true");
        }
        overrides.addAll(common.overrides);
        return overrides;
    }

    /** The {@code --conf} given, else the command's default configuration. */
    String conf(String defaultReference) {
        return common.confOr(defaultReference);
    }

    /** The {@code --out} given, else the command's default output directory. */
    String out(String defaultDir) {
        return common.out != null ? common.out : defaultDir;
    }
}
