package io.gemmaspark.training.checkpoint;

import com.fasterxml.jackson.core.type.TypeReference;
import io.gemmaspark.util.AtomicOutput;
import io.gemmaspark.util.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * Checkpoints of the stand-in architecture, which has no Gemma shape (see {@link PretrainCheckpoints#forArchitecture}),
 * as directories on any Hadoop path:
 * <pre>
 * checkpoints/step-00000050/  model.zip (config, parameters, Adam state)  model_config.json  trainer_state.json
 *                             [tokenizer.model]  checksums.json (SHA-256 of every other file)  _SUCCESS
 * checkpoints/latest          name of the newest complete checkpoint
 * </pre>
 * A checkpoint is written under a hidden temporary name and renamed ({@link AtomicOutput}); {@code latest} is
 * replaced by rename too, so a crash at any point leaves the previous checkpoint in force.
 */
public final class HadoopCheckpoints implements PretrainCheckpoints {
    public static final String MODEL = "model.zip";
    public static final String STATE = "trainer_state.json";
    public static final String MODEL_CONFIG = "model_config.json";
    public static final String CHECKSUMS = "checksums.json";

    private final Path root;
    private final Configuration conf;
    private final int keepLast;

    public HadoopCheckpoints(String root, Configuration conf, int keepLast) {
        this.root = new Path(root);
        this.conf = conf;
        this.keepLast = keepLast;
    }

    public static String name(long step) {
        return String.format("step-%08d", step);
    }

    @Override
    public String save(ComputationGraph graph, TrainerState state, String modelConfigJson, List<String> attachments) {
        Path target = new Path(root, name(state.step()));
        try (AtomicOutput out = AtomicOutput.begin(target.toString(), conf, true)) {
            FileSystem fs = out.fileSystem();
            Path dir = out.tempPath();
            try (OutputStream stream = fs.create(new Path(dir, MODEL))) {
                ModelSerializer.writeModel(graph, stream, true);
            }
            write(fs, new Path(dir, STATE), Json.pretty(state));
            write(fs, new Path(dir, MODEL_CONFIG), modelConfigJson);
            for (String attachment : attachments) {
                Path source = new Path(attachment);
                FileUtil.copy(source.getFileSystem(conf), source, fs, new Path(dir, source.getName()), false, conf);
            }
            Map<String, String> checksums = new TreeMap<>();
            for (FileStatus file : fs.listStatus(dir)) {
                checksums.put(file.getPath().getName(), sha256(fs, file.getPath()));
            }
            write(fs, new Path(dir, CHECKSUMS), Json.pretty(checksums));
            out.commit();
            pointLatestAt(fs, target.getName());
            prune(fs);
            return out.finalPath().toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + target, e);
        }
    }

    @Override
    public Optional<Loaded> loadLatest() {
        try {
            FileSystem fs = root.getFileSystem(conf);
            if (!fs.exists(root)) {
                return Optional.empty();
            }
            List<String> candidates = new ArrayList<>();
            Path latest = new Path(root, LATEST);
            if (fs.exists(latest)) {
                candidates.add(read(fs, latest).strip());
            }
            for (String name : stepsNewestFirst(fs)) {
                if (!candidates.contains(name)) {
                    candidates.add(name);
                }
            }
            for (String name : candidates) {
                Path dir = new Path(root, name);
                Optional<String> problem = verify(dir.toString());
                if (problem.isPresent()) {
                    System.err.println("warning: skipping checkpoint " + dir + ": " + problem.get()
                            + "; falling back to the previous one");
                    continue;
                }
                ComputationGraph graph;
                try (InputStream in = fs.open(new Path(dir, MODEL))) {
                    graph = ModelSerializer.restoreComputationGraph(in, true);
                }
                TrainerState state = Json.MAPPER.readValue(read(fs, new Path(dir, STATE)), TrainerState.class);
                return Optional.of(new Loaded(fs.makeQualified(dir).toString(), graph.params(),
                        graph.getUpdater().getStateViewArray(), state));
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoints under " + root, e);
        }
    }

    @Override
    public Optional<String> verify(String checkpointDir) {
        try {
            Path dir = new Path(checkpointDir);
            FileSystem fs = dir.getFileSystem(conf);
            if (!fs.exists(new Path(dir, AtomicOutput.SUCCESS_MARKER))) {
                return Optional.of("incomplete (no " + AtomicOutput.SUCCESS_MARKER + ")");
            }
            Path sums = new Path(dir, CHECKSUMS);
            if (!fs.exists(sums)) {
                return Optional.of("no " + CHECKSUMS);
            }
            Map<String, String> expected = Json.MAPPER.readValue(read(fs, sums), new TypeReference<>() {
            });
            for (String required : List.of(MODEL, STATE)) {
                if (!expected.containsKey(required)) {
                    return Optional.of(CHECKSUMS + " does not cover " + required);
                }
            }
            for (Map.Entry<String, String> file : expected.entrySet()) {
                Path path = new Path(dir, file.getKey());
                if (!fs.exists(path)) {
                    return Optional.of("missing " + file.getKey());
                }
                String actual = sha256(fs, path);
                if (!actual.equals(file.getValue())) {
                    return Optional.of("checksum mismatch in " + file.getKey());
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("unreadable: " + e.getMessage());
        }
    }

    private List<String> stepsNewestFirst(FileSystem fs) throws IOException {
        List<String> names = new ArrayList<>();
        for (FileStatus status : fs.listStatus(root)) {
            String name = status.getPath().getName();
            if (status.isDirectory() && name.matches("step-\\d+")) {
                names.add(name);
            }
        }
        names.sort(Comparator.reverseOrder());
        return names;
    }

    private void pointLatestAt(FileSystem fs, String name) throws IOException {
        Path temp = new Path(root, "." + LATEST + ".tmp");
        write(fs, temp, name + "\n");
        Path latest = new Path(root, LATEST);
        fs.delete(latest, false);
        if (!fs.rename(temp, latest)) {
            throw new IOException("cannot move " + temp + " to " + latest);
        }
    }

    private void prune(FileSystem fs) throws IOException {
        List<String> names = stepsNewestFirst(fs);
        for (int i = keepLast; i < names.size(); i++) {
            fs.delete(new Path(root, names.get(i)), true);
        }
    }

    private static void write(FileSystem fs, Path path, String text) throws IOException {
        try (OutputStream out = fs.create(path, true)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static String read(FileSystem fs, Path path) throws IOException {
        try (InputStream in = fs.open(path)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static String sha256(FileSystem fs, Path path) throws IOException {
        try (InputStream in = new DigestInputStream(fs.open(path), MessageDigest.getInstance("SHA-256"))) {
            byte[] buffer = new byte[1 << 16];
            while (in.read(buffer) >= 0) {
                // digesting
            }
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
