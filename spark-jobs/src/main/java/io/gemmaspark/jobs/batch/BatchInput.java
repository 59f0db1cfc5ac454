package io.gemmaspark.jobs.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gemmaspark.util.UserError;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * The job's input, read on the driver: JSONL lines or Parquet rows with {@code id} and either {@code prompt} (text)
 * or {@code messages} (chat). A record without them is a bad row, kept with its file and line (or row number).
 */
final class BatchInput {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A well-formed request: its id and a JSON object holding {@code prompt} or {@code messages}. */
    record Request(String id, JsonNode body, String location) {}

    record BadRow(String location, String reason) {}

    final List<Request> requests = new ArrayList<>();
    final List<BadRow> badRows = new ArrayList<>();

    static BatchInput read(SparkSession spark, String input, Configuration conf) {
        BatchInput result = new BatchInput();
        try {
            Path path = new Path(input);
            FileSystem fs = path.getFileSystem(conf);
            if (!fs.exists(path)) {
                throw new UserError("generate-batch: --input " + input + " does not exist");
            }
            FileStatus[] files = fs.getFileStatus(path).isDirectory() ? fs.listStatus(path) : new FileStatus[] {
                fs.getFileStatus(path)};
            Arrays.sort(files);
            for (FileStatus file : files) {
                String name = file.getPath().getName();
                if (name.startsWith("_") || name.startsWith(".") || file.isDirectory()) {
                    continue;
                }
                if (name.endsWith(".parquet")) {
                    result.readParquet(spark, file.getPath());
                } else if (name.endsWith(".jsonl") || name.endsWith(".json") || name.endsWith(".ndjson")) {
                    result.readJsonl(fs, file.getPath());
                } else {
                    throw new UserError("generate-batch: " + file.getPath() + " is neither .jsonl nor .parquet");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + input, e);
        }
        return result;
    }

    private void readJsonl(FileSystem fs, Path file) throws IOException {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(fs.open(file), StandardCharsets.UTF_8))) {
            int lineNumber = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                String location = file.getName() + ":" + lineNumber;
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                } catch (IOException e) {
                    badRows.add(new BadRow(location, "not JSON"));
                    continue;
                }
                add(node, location);
            }
        }
    }

    private void readParquet(SparkSession spark, Path file) {
        List<String> rows = spark.read().parquet(file.toString()).toJSON().collectAsList();
        for (int i = 0; i < rows.size(); i++) {
            String location = file.getName() + ":row " + (i + 1);
            try {
                ObjectNode node = (ObjectNode) JSON.readTree(rows.get(i));
                JsonNode messages = node.get("messages");
                if (messages != null && messages.isTextual()) {   // messages stored as a JSON string column
                    node.set("messages", JSON.readTree(messages.asText()));
                }
                add(node, location);
            } catch (IOException | ClassCastException e) {
                badRows.add(new BadRow(location, "unreadable row"));
            }
        }
    }

    private void add(JsonNode node, String location) {
        if (!node.isObject()) {
            badRows.add(new BadRow(location, "not a JSON object"));
            return;
        }
        JsonNode id = node.get("id");
        if (id == null || !(id.isTextual() || id.isIntegralNumber()) || id.asText().isEmpty()) {
            badRows.add(new BadRow(location, "no id (a string or an integer)"));
            return;
        }
        boolean prompt = node.hasNonNull("prompt");
        boolean messages = node.hasNonNull("messages");
        if (prompt == messages) {
            badRows.add(new BadRow(location, "needs exactly one of prompt and messages"));
            return;
        }
        if (prompt && !node.get("prompt").isTextual()) {
            badRows.add(new BadRow(location, "prompt is not a string"));
            return;
        }
        if (messages && !(node.get("messages") instanceof ArrayNode)) {
            badRows.add(new BadRow(location, "messages is not an array"));
            return;
        }
        requests.add(new Request(id.asText(), node, location));
    }
}
