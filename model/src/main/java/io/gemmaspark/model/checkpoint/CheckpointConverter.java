package io.gemmaspark.model.checkpoint;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gemmaspark.model.GemmaConfig;
import io.gemmaspark.util.AtomicOutput;
import io.gemmaspark.util.Json;
import io.gemmaspark.util.Progress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Converts between the Hugging Face layout and native checkpoints, and between dtypes, one chunk at a time:
 * each tensor is read, widened or narrowed and written without the model ever being in memory, so a 7B
 * model converts in a few hundred MB. The input is validated against its config.json first (and, for a
 * native checkpoint, against its manifest checksums); the output appears atomically.
 */
public final class CheckpointConverter {
    public enum Layout {
        HF, NATIVE;

        public static Layout parse(String name) {
            try {
                return valueOf(name.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown checkpoint layout " + name + " (use hf or native)");
            }
        }
    }

    /** What a conversion did, for the command's summary. */
    public record Result(Path output, GemmaConfig model, int tensors, long parameters, TensorDtype dtype,
                         List<String> files, long bytesWritten, boolean tokenizerCopied, boolean updaterCopied,
                         double seconds) {
    }

    /** Provenance written beside the converted files (not part of a native checkpoint's manifest). */
    public static final String REPORT = "conversion.json";

    private CheckpointConverter() {
    }

    private static void writeReport(Path file, Path input, Layout from, Layout to, Result result, Configuration conf) {
        ObjectNode report = Json.MAPPER.createObjectNode();
        report.put("input", input.toString());
        report.put("from", from.name().toLowerCase(Locale.ROOT));
        report.put("to", to.name().toLowerCase(Locale.ROOT));
        report.put("dtype", result.dtype().name());
        report.put("model", result.model().toString());
        report.put("tensors", result.tensors());
        report.put("parameters", result.parameters());
        report.put("bytes_written", result.bytesWritten());
        report.put("tokenizer_copied", result.tokenizerCopied());
        report.put("updater_copied", result.updaterCopied());
        report.put("seconds", result.seconds());
        report.put("created", Instant.now().toString());
        report.putArray("files").addAll(result.files().stream().map(report::textNode).toList());
        CheckpointFiles.writeString(file, Json.pretty(report) + "\n", conf);
    }

    public static Result convert(Path input, Layout from, String output, Layout to, TensorDtype dtype,
                                 boolean overwrite, Configuration conf, boolean showProgress) {
        long start = System.nanoTime();
        if (from == Layout.NATIVE) {
            NativeCheckpoint.verify(input, conf);
        }
        HfConfigJson.ModelConfig config = HfCheckpoint.readConfig(input, conf);
        Path tokenizer = HfCheckpoint.tokenizerModel(input, conf);
        boolean carryTrainingState = from == Layout.NATIVE && to == Layout.NATIVE;
        try (SafetensorsSet tensors = HfCheckpoint.openTensors(input, config.model(), conf);
             AtomicOutput out = AtomicOutput.begin(output, conf, overwrite)) {
            LinkedHashMap<String, TensorSource> sources = HfCheckpoint.sources(tensors, config.model());
            LinkedHashMap<String, TensorSource> reported = showProgress
                    ? withProgress(sources, new Progress("convert", "MB", config.model().parameterCount() * Float.BYTES >> 20))
                    : sources;
            List<String> files;
            boolean updaterCopied = false;
            if (to == Layout.HF) {
                files = HfCheckpoint.write(out.tempPath(), config, reported, dtype, HfCheckpoint.DEFAULT_MAX_SHARD_BYTES,
                        tokenizer, conf);
            } else {
                Map<String, TensorSource> updater = Map.of();
                ObjectNode trainerState = NativeCheckpoint.trainerState(input, conf);
                SafetensorsSet updaterSet = null;
                try {
                    if (carryTrainingState && SafetensorsSet.exists(input, NativeCheckpoint.UPDATER, conf)) {
                        updaterSet = SafetensorsSet.open(input, NativeCheckpoint.UPDATER, conf);
                        LinkedHashMap<String, TensorSource> state = new LinkedHashMap<>();
                        for (String name : updaterSet.tensors().keySet()) {
                            state.put(name, updaterSet.source(name));
                        }
                        updater = state;
                        updaterCopied = true;
                    }
                    if (!carryTrainingState) {
                        trainerState.removeAll();
                        trainerState.put("imported_from", input.toString());
                    }
                    files = List.copyOf(NativeCheckpoint.writeFiles(out.tempPath(), new NativeCheckpoint.Contents(config,
                            reported, dtype, updater, trainerState, tokenizer), conf).keySet());
                } finally {
                    if (updaterSet != null) {
                        updaterSet.close();
                    }
                }
            }
            long bytes = 0;
            for (String file : files) {
                bytes += CheckpointFiles.length(new Path(out.tempPath(), file), conf);
            }
            Result result = new Result(out.finalPath(), config.model(), sources.size(), config.model().parameterCount(),
                    dtype, files, bytes, tokenizer != null, updaterCopied, (System.nanoTime() - start) / 1e9);
            writeReport(new Path(out.tempPath(), REPORT), input, from, to, result, conf);
            out.commit();
            return result;
        }
    }

    /** Reports megabytes of float32 data pulled through the sources. */
    private static LinkedHashMap<String, TensorSource> withProgress(Map<String, TensorSource> sources, Progress progress) {
        long[] done = {0};
        LinkedHashMap<String, TensorSource> wrapped = new LinkedHashMap<>();
        sources.forEach((name, source) -> wrapped.put(name, new TensorSource() {
            @Override
            public long[] shape() {
                return source.shape();
            }

            @Override
            public void readFloats(long first, int count, ByteBuffer dst) throws IOException {
                source.readFloats(first, count, dst);
                done[0] += (long) count * Float.BYTES;
                progress.update(done[0] >> 20, name);
            }
        }));
        return wrapped;
    }
}
