package io.gemmaspark.jobs;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** A command whose stage is not built yet: it says so and exits non-zero instead of pretending. */
@Command(mixinStandardHelpOptions = true)
public final class PendingCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        System.err.println("gemma " + spec.name() + ": not available yet in this version of gemma-spark.");
        return 3;
    }
}
