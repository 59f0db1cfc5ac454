package io.gemmaspark.evaluation;

import io.gemmaspark.evaluation.tasks.TaskFormat;
import io.gemmaspark.util.UserError;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * One entry of {@code --tasks}: {@code NAME} (the shipped sample) or {@code NAME=PATH} (a JSONL file in that task's
 * format; for perplexity also plain text).
 */
public record TaskSpec(TaskFormat format, String path) implements Serializable {
    public String name() {
        return format.taskName();
    }

    public static List<TaskSpec> parseList(String csv) {
        List<TaskSpec> specs = new ArrayList<>();
        for (String part : csv.split(",")) {
            String entry = part.trim();
            if (entry.isEmpty()) {
                continue;
            }
            int eq = entry.indexOf('=');
            String name = eq < 0 ? entry : entry.substring(0, eq).trim();
            String path = eq < 0 ? null : entry.substring(eq + 1).trim();
            TaskFormat format = TaskFormat.byName(name);
            if (format == null) {
                throw new UserError("--tasks: unknown task '" + name + "'; known tasks: " + String.join(", ", TaskFormat.names()));
            }
            specs.add(new TaskSpec(format, path));
        }
        if (specs.isEmpty()) {
            throw new UserError("--tasks: no task given; known tasks: " + String.join(", ", TaskFormat.names()));
        }
        return specs;
    }
}
