package io.gemmaspark.model.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gemmaspark.model.GemmaWeights;
import io.gemmaspark.util.AtomicOutput;
import io.gemmaspark.util.Json;
import io.gemmaspark.util.Progress;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * gemma-spark's own checkpoint: one directory holding everything needed to resume training.
 * <pre>
 * config.json          HF Gemma config (so the directory is also a valid HF model directory)
 * model.safetensors    parameters, HF names (sharded like HF above 5 GB)
 * updater.safetensors  optimizer state as named float32 tensors (names chosen by the training loop)
 * trainer_state.json   an open JSON object: step, tokens seen, data cursor, RNG seeds, schedule position, ...
 * tokenizer.model      the SentencePiece model, when there is one
 * manifest.json        format version and the size and SHA-256 of every file above
 * _SUCCESS             written last, by the atomic rename
 * </pre>
 * It is written under a hidden temporary name and renamed into place ({@link AtomicOutput}); loading verifies
 * the manifest, so a partial or corrupt checkpoint fails with a message naming the bad file.
 */
public final class NativeCheckpoint {
    public static final String FORMAT = "gemma-spark-checkpoint";
    public static final int VERSION = 1;
    public static final String MANIFEST = "manifest.json";
    public static final String TRAINER_STATE = "trainer_state.json";
    public static final String UPDATER = "updater";

    /**
     * What one checkpoint holds.
     *
     * @param parameters     every tensor the config needs (see {@link HfCheckpoint#sources(GemmaWeights)})
     * @param parameterDtype F32 for training; BF16/F16 make smaller inference-only checkpoints
     * @param updaterState   named optimizer state, stored as float32; empty when there is none
     * @param trainerState   the training loop's JSON object (copied as is)
     * @param tokenizerModel a tokenizer.model to copy in, or null
     */
    public record Contents(HfConfigJson.ModelConfig config, Map<String, ? extends TensorSource> parameters,
                           TensorDtype parameterDtype, Map<String, ? extends TensorSource> updaterState,
                           ObjectNode trainerState, Path tokenizerModel) {
        /** Parameters (F32), updater state and trainer state of a live model. */
        public static Contents of(GemmaWeights weights, HfConfigJson.ModelConfig config, Map<String, INDArray> updaterState,
                                  ObjectNode trainerState, Path tokenizerModel) {
            LinkedHashMap<String, TensorSource> updater = new LinkedHashMap<>();
            updaterState.forEach((name, array) -> updater.put(name, TensorSource.of(array)));
            return new Contents(config, HfCheckpoint.sources(weights), TensorDtype.F32, updater, trainerState,
                    tokenizerModel);
        }
    }

    /** A checkpoint's manifest: the SHA-256 and size of each file, by name. */
    public record FileRecord(long bytes, String sha256) {
    }

    private NativeCheckpoint() {
    }

    /** Writes a complete checkpoint at {@code target} (any Hadoop path) atomically and returns its final path. */
    public static Path write(String target, Contents contents, Configuration conf, boolean overwrite) {
        try (AtomicOutput out = AtomicOutput.begin(target, conf, overwrite)) {
            writeFiles(out.tempPath(), contents, conf);
            out.commit();
            return out.finalPath();
        }
    }

    /** Writes every file and the manifest into {@code dir}, which should be empty. */
    public static Map<String, FileRecord> writeFiles(Path dir, Contents contents, Configuration conf) {
        List<String> files = new ArrayList<>(HfCheckpoint.write(dir, contents.config(), contents.parameters(),
                contents.parameterDtype(), HfCheckpoint.DEFAULT_MAX_SHARD_BYTES, contents.tokenizerModel(), conf));
        if (!contents.updaterState().isEmpty()) {
            files.addAll(SafetensorsSet.write(dir, UPDATER, contents.updaterState(), TensorDtype.F32,
                    HfCheckpoint.DEFAULT_MAX_SHARD_BYTES, conf));
        }
        ObjectNode state = contents.trainerState() == null ? Json.MAPPER.createObjectNode() : contents.trainerState();
        CheckpointFiles.writeString(new Path(dir, TRAINER_STATE), Json.pretty(state) + "\n", conf);
        files.add(TRAINER_STATE);

        LinkedHashMap<String, FileRecord> records = new LinkedHashMap<>();
        for (String name : files) {
            Path file = new Path(dir, name);
            records.put(name, new FileRecord(CheckpointFiles.length(file, conf), CheckpointFiles.sha256(file, conf)));
        }
        ObjectNode manifest = Json.MAPPER.createObjectNode();
        manifest.put("format", FORMAT);
        manifest.put("version", VERSION);
        manifest.put("created", Instant.now().toString());
        if (state.has("step")) {
            manifest.set("step", state.get("step"));
        }
        ObjectNode fileNodes = manifest.putObject("files");
        records.forEach((name, r) -> fileNodes.putObject(name).put("bytes", r.bytes()).put("sha256", r.sha256()));
        CheckpointFiles.writeString(new Path(dir, MANIFEST), Json.pretty(manifest) + "\n", conf);
        return records;
    }

    /**
     * Checks that {@code dir} is a complete, uncorrupted checkpoint: committed ({@code _SUCCESS}), with a
     * manifest whose every file exists with the recorded size and SHA-256.
     *
     * @throws CheckpointFormatException naming the directory and the first file at fault
     */
    public static Map<String, FileRecord> verify(Path dir, Configuration conf) {
        if (!CheckpointFiles.exists(new Path(dir, AtomicOutput.SUCCESS_MARKER), conf)) {
            throw new CheckpointFormatException(dir + ": incomplete checkpoint (no " + AtomicOutput.SUCCESS_MARKER
                    + "; the write was interrupted)");
        }
        Map<String, FileRecord> records = readManifest(dir, conf);
        for (Map.Entry<String, FileRecord> record : records.entrySet()) {
            Path file = new Path(dir, record.getKey());
            if (!CheckpointFiles.exists(file, conf)) {
                throw new CheckpointFormatException(dir + ": corrupt checkpoint: " + record.getKey()
                        + " is listed in " + MANIFEST + " but missing");
            }
            long bytes = CheckpointFiles.length(file, conf);
            if (bytes != record.getValue().bytes()) {
                throw new CheckpointFormatException(dir + ": corrupt checkpoint: " + record.getKey() + " has " + bytes
                        + " bytes, the manifest says " + record.getValue().bytes());
            }
            String sha = CheckpointFiles.sha256(file, conf);
            if (!sha.equals(record.getValue().sha256())) {
                throw new CheckpointFormatException(dir + ": corrupt checkpoint: " + record.getKey()
                        + " fails its SHA-256 check (" + sha + ", manifest " + record.getValue().sha256() + ")");
            }
        }
        return records;
    }

    private static Map<String, FileRecord> readManifest(Path dir, Configuration conf) {
        Path file = new Path(dir, MANIFEST);
        if (!CheckpointFiles.exists(file, conf)) {
            throw new CheckpointFormatException(dir + ": not a gemma-spark checkpoint (no " + MANIFEST + ")");
        }
        JsonNode manifest;
        try {
            manifest = Json.MAPPER.readTree(CheckpointFiles.readString(file, conf));
        } catch (IOException e) {
            throw new CheckpointFormatException(file + ": not valid JSON (" + e.getMessage() + ")", e);
        }
        if (!FORMAT.equals(manifest.path("format").asText()) || manifest.path("version").asInt() > VERSION) {
            throw new CheckpointFormatException(file + ": format " + manifest.path("format") + " version "
                    + manifest.path("version") + " is not " + FORMAT + " version <= " + VERSION);
        }
        JsonNode files = manifest.path("files");
        if (!files.isObject() || !files.has(HfConfigJson.FILE_NAME)) {
            throw new CheckpointFormatException(file + ": \"files\" must list every file, config.json included");
        }
        LinkedHashMap<String, FileRecord> records = new LinkedHashMap<>();
        files.fields().forEachRemaining(f -> records.put(f.getKey(),
                new FileRecord(f.getValue().path("bytes").asLong(-1), f.getValue().path("sha256").asText())));
        return records;
    }

    /** A loaded checkpoint. The updater state is empty when the checkpoint has none. */
    public record Loaded(Path dir, HfConfigJson.ModelConfig config, GemmaWeights weights,
                         LinkedHashMap<String, INDArray> updaterState, ObjectNode trainerState) {
    }

    /** Verifies (when asked) and loads everything: parameters into one flat float32 buffer, updater state, trainer state. */
    public static Loaded load(Path dir, Configuration conf, boolean verify, Progress progress) {
        if (verify) {
            verify(dir, conf);
        }
        HfConfigJson.ModelConfig config = HfCheckpoint.readConfig(dir, conf);
        GemmaWeights weights = GemmaWeights.allocate(config.model());
        HfCheckpoint.readInto(dir, weights, conf, progress);
        return new Loaded(dir, config, weights, loadUpdaterState(dir, conf), trainerState(dir, conf));
    }

    public static ObjectNode trainerState(Path dir, Configuration conf) {
        Path file = new Path(dir, TRAINER_STATE);
        if (!CheckpointFiles.exists(file, conf)) {
            return Json.MAPPER.createObjectNode();
        }
        try {
            JsonNode state = Json.MAPPER.readTree(CheckpointFiles.readString(file, conf));
            if (!state.isObject()) {
                throw new CheckpointFormatException(file + ": trainer state must be a JSON object");
            }
            return (ObjectNode) state;
        } catch (IOException e) {
            throw new CheckpointFormatException(file + ": not valid JSON (" + e.getMessage() + ")", e);
        }
    }

    /** The updater state as freshly allocated float32 arrays, in stored order (empty if there is none). */
    public static LinkedHashMap<String, INDArray> loadUpdaterState(Path dir, Configuration conf) {
        LinkedHashMap<String, INDArray> state = new LinkedHashMap<>();
        if (!SafetensorsSet.exists(dir, UPDATER, conf)) {
            return state;
        }
        try (SafetensorsSet tensors = SafetensorsSet.open(dir, UPDATER, conf)) {
            try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                tensors.tensors().forEach((name, entry) -> {
                    INDArray array = Nd4j.createUninitialized(DataType.FLOAT, entry.shape());
                    tensors.readInto(name, array);
                    state.put(name, array);
                });
            }
        }
        return state;
    }

    /** Reads the updater state into arrays the caller owns; names and shapes must match exactly. */
    public static void readUpdaterStateInto(Path dir, Map<String, INDArray> targets, Configuration conf) {
        try (SafetensorsSet tensors = SafetensorsSet.open(dir, UPDATER, conf)) {
            for (String name : tensors.tensors().keySet()) {
                if (!targets.containsKey(name)) {
                    throw new CheckpointFormatException(tensors.location() + ": updater tensor " + name
                            + " has no counterpart in the model being restored");
                }
            }
            for (Map.Entry<String, INDArray> target : targets.entrySet()) {
                tensors.readInto(target.getKey(), target.getValue());
            }
        }
    }

    /** True when {@code dir} looks like a native checkpoint (has a manifest), as opposed to a plain HF directory. */
    public static boolean isNative(Path dir, Configuration conf) {
        return CheckpointFiles.exists(new Path(dir, MANIFEST), conf);
    }

}
