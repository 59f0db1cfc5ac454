package io.gemmaspark.jobs;

import io.gemmaspark.config.ConfigException;
import io.gemmaspark.util.StdoutNoiseFilter;
import io.gemmaspark.util.UserError;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code gemma} command line: {@code bin/gemma <command>} locally, or
 * {@code spark-submit --class io.gemmaspark.jobs.GemmaCli gemma-spark-jobs.jar <command>} on a cluster.
 */
@Command(name = "gemma", mixinStandardHelpOptions = true, version = "gemma-spark 0.1.0",
        description = "The Gemma open-model pipeline on Apache Spark: prepare data, train a tokenizer, "
                + "pretrain, fine-tune and evaluate Gemma decoders.",
        subcommands = {InfoCommand.class, DemoCommand.class, PrepareCommand.class, TokenizerTrainCommand.class,
            TokenizerEncodeCommand.class, TokenizerDecodeCommand.class, TokenizeCommand.class, PretrainCommand.class,
            ConvertCommand.class, ForwardCommand.class, GenerateCommand.class, ServeCommand.class,
            GenerateBatchCommand.class, BenchCommand.class, EvaluateCommand.class, SftCommand.class,
            RewardTrainCommand.class, RlhfCommand.class, ClassifierTrainCommand.class})
public final class GemmaCli {


    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        StdoutNoiseFilter.install();
        CommandLine cli = commandLine();
        return cli.execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new GemmaCli());
        cli.setExecutionExceptionHandler((exception, commandLine, parseResult) -> {
            boolean verbose = parseResult.subcommand() != null && parseResult.subcommand().hasMatchedOption("--verbose");
            Throwable cause = rootUserError(exception);
            if (cause != null) {
                System.err.println("error: " + cause.getMessage());
                if (verbose) {
                    exception.printStackTrace();
                }
                return 2;
            }
            System.err.println("error: " + exception);
            if (verbose) {
                exception.printStackTrace();
            } else {
                System.err.println("(run with --verbose for the stack trace)");
            }
            return 1;
        });
        return cli;
    }

    /** Errors the user can act on are found even when Spark or a thread pool has wrapped them. */
    private static Throwable rootUserError(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ConfigException || c instanceof UserError) {
                return c;
            }
        }
        return null;
    }
}
