package io.gemmaspark.evaluation.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.gemmaspark.util.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The training loss of the run a checkpoint came from, read from the run's {@code metrics.jsonl} (pretraining
 * writes it beside {@code checkpoints/}): the checkpoint directory, its store, or the store's run directory.
 */
public record LossHistory(String file, double[] tokensSeen, double[] loss) {
    public static LossHistory find(String checkpointDir, Configuration conf) {
        Path dir = new Path(checkpointDir);
        for (int up = 0; up < 3 && dir != null; up++, dir = dir.getParent()) {
            Path metrics = new Path(dir, "metrics.jsonl");
            try {
                FileSystem fs = metrics.getFileSystem(conf);
                if (fs.exists(metrics)) {
                    return read(metrics, fs);
                }
            } catch (IOException e) {
                return null; // the plot is a courtesy; an unreadable log leaves it out
            }
        }
        return null;
    }

    private static LossHistory read(Path file, FileSystem fs) throws IOException {
        List<double[]> points = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(fs.open(file), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode m = Json.MAPPER.readTree(line);
                JsonNode tokens = m.has("tokensSeen") ? m.get("tokensSeen") : m.get("tokens_seen");
                JsonNode loss = m.get("loss");
                if (tokens != null && loss != null && loss.isNumber()) {
                    points.add(new double[] {tokens.asDouble(), loss.asDouble()});
                }
            }
        }
        if (points.isEmpty()) {
            return null;
        }
        return new LossHistory(file.toString(), points.stream().mapToDouble(p -> p[0]).toArray(),
                points.stream().mapToDouble(p -> p[1]).toArray());
    }
}
