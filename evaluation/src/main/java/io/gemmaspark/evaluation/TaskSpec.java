package io.gemmaspark.evaluation;

import io.gemmaspark.config.ConfigException;
import io.gemmaspark.config.ConfigLoader;
import io.gemmaspark.config.Default;
import io.gemmaspark.evaluation.tasks.TaskFormat;
import io.gemmaspark.util.UserError;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * One entry of {@code --tasks}: {@code NAME} (the shipped sample), {@code NAME=PATH} (a JSONL file in that task's
 * format; for perplexity also plain text), or the name of a YAML file under {@code conf/tasks/} (or a path to one)
 * that names a format and a data file.
 *
 * @param path the data file, or null for the shipped sample
 */
public record TaskSpec(String name, TaskFormat format, String path) implements Serializable {

    /** {@code conf/tasks/*.yaml}: {@code format} is a built-in task name; {@code data} a JSONL path ("" = sample). */
    public record TaskYaml(String format, @Default("") String data) {
    }

    public static List<TaskSpec> parseList(String csv) {
        List<TaskSpec> specs = new ArrayList<>();
        for (String part : csv.split(",")) {
            String entry = part.trim();
            if (!entry.isEmpty()) {
                specs.add(parse(entry));
            }
        }
        if (specs.isEmpty()) {
            throw new UserError("--tasks: no task given; " + known());
        }
        return specs;
    }

    static TaskSpec parse(String entry) {
        int eq = entry.indexOf('=');
        String name = eq < 0 ? entry : entry.substring(0, eq).trim();
        String path = eq < 0 ? null : entry.substring(eq + 1).trim();
        TaskFormat format = TaskFormat.byName(name);
        if (format != null) {
            return new TaskSpec(name, format, path);
        }
        TaskYaml yaml;
        try {
            yaml = ConfigLoader.load(name.endsWith(".yaml") ? name : "tasks/" + name, TaskYaml.class, List.of());
        } catch (ConfigException e) {
            if (e.getMessage().contains("no such configuration file")) {
                throw new UserError("--tasks: unknown task '" + name + "'; " + known());
            }
            throw e;
        }
        TaskFormat yamlFormat = TaskFormat.byName(yaml.format());
        if (yamlFormat == null) {
            throw new UserError(name + ": format '" + yaml.format() + "' is not a built-in task; " + known());
        }
        String taskName = name.replaceAll("^.*/", "").replaceAll("\\.yaml$", "");
        return new TaskSpec(taskName, yamlFormat, path != null ? path : yaml.data().isEmpty() ? null : yaml.data());
    }

    private static String known() {
        return "known tasks: " + String.join(", ", TaskFormat.names()) + " (or a YAML file under conf/tasks/)";
    }
}
