package io.gemmaspark.evaluation.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import io.gemmaspark.util.Json;
import io.gemmaspark.util.UserError;
import java.io.BufferedReader;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * A task's examples read from a JSONL file (any Hadoop path) or a shipped sample. A bad record is reported as
 * {@code file:line: field 'x': problem}; it is skipped and counted, or it fails the job under {@code strict}.
 * A perplexity file that is not JSONL is read as one plain-text document.
 */
public record TaskData(String source, List<Example> examples, List<String> problems) {
    private static final String SAMPLES = "io/gemmaspark/evaluation/samples/";

    public int skipped() {
        return problems.size();
    }

    /** The shipped sample of a task ({@code split} is {@code "test"} or {@code "fewshot"}), or null if none. */
    public static TaskData sample(TaskFormat format, String split, boolean strict) {
        String resource = SAMPLES + format.taskName() + (split.equals("test") ? "" : "." + split) + ".jsonl";
        InputStream in = TaskData.class.getClassLoader().getResourceAsStream(resource);
        if (in == null) {
            return null;
        }
        return read(format, "sample:" + resource.substring(SAMPLES.length()), in, true, strict);
    }

    public static TaskData file(TaskFormat format, String path, boolean strict, Configuration conf) {
        Path p = new Path(path);
        try {
            InputStream in = p.getFileSystem(conf).open(p);
            boolean jsonl = path.endsWith(".jsonl") || path.endsWith(".json") || format != TaskFormat.PERPLEXITY;
            return read(format, path, in, jsonl, strict);
        } catch (FileNotFoundException e) {
            throw new UserError(format.taskName() + "=" + path + ": no such file");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    static TaskData read(TaskFormat format, String source, InputStream stream, boolean jsonl, boolean strict) {
        List<Example> examples = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            if (!jsonl) {
                StringBuilder text = new StringBuilder();
                for (int c; (c = in.read()) >= 0; ) {
                    text.append((char) c);
                }
                examples.add(new Example(0, text.toString(), "", ""));
                return new TaskData(source, examples, problems);
            }
            int lineNumber = 0;
            for (String line; (line = in.readLine()) != null; ) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                String problem;
                try {
                    JsonNode doc = Json.MAPPER.readTree(line);
                    if (!doc.isObject()) {
                        throw new BadExampleException("", "not a JSON object");
                    }
                    examples.add(format.parse(examples.size(), doc));
                    continue;
                } catch (BadExampleException e) {
                    problem = source + ":" + lineNumber + ": " + (e.field().isEmpty() ? "" : "field '" + e.field() + "': ")
                            + e.getMessage();
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    problem = source + ":" + lineNumber + ": malformed JSON (" + e.getOriginalMessage() + ")";
                }
                if (strict) {
                    throw new UserError(problem + " (--strict)");
                }
                problems.add(problem);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + source, e);
        }
        return new TaskData(source, examples, problems);
    }
}
