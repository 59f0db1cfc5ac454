package io.gemmaspark.jobs;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options every command accepts. */
public final class CommonOptions {
    @Option(names = "--conf", paramLabel = "FILE",
            description = "YAML configuration: a path, or a name under conf/ such as pipeline/demo.")
    public String conf;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override one configuration key, e.g. --set model.hidden_size=256. Repeatable.")
    public List<String> overrides = new ArrayList<>();

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master (default: spark-submit's, else local[*]).")
    public String master;

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (any Hadoop path).")
    public String out;

    @Option(names = "--verbose", description = "Print stack traces of failures.")
    public boolean verbose;

    public String confOr(String defaultReference) {
        return conf != null ? conf : defaultReference;
    }
}
