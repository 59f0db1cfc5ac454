package io.gemmaspark.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gemmaspark.model.GemmaWeights;
import io.gemmaspark.util.Json;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class NativeCheckpointTest {
    @TempDir
    Path tmp;

    private final Configuration conf = new Configuration();
    private Map<String, float[]> values;
    private GemmaWeights weights;
    private HfConfigJson.ModelConfig config;

    private static org.apache.hadoop.fs.Path hadoop(Path p) {
        return new org.apache.hadoop.fs.Path(p.toUri());
    }

    @BeforeEach
    void tinyModel() throws IOException {
        values = HfCheckpointTest.tinyValues(11);
        Path hf = HfCheckpointTest.writeHfDirectory(tmp.resolve("hf"), "BF16", 1, values);
        Files.writeString(hf.resolve("tokenizer.model"), "sentencepiece bytes");
        weights = HfCheckpoint.load(hadoop(hf), conf);
        config = HfCheckpoint.readConfig(hadoop(hf), conf);
    }

    private Map<String, INDArray> adamState(float scale) {
        Map<String, INDArray> state = new LinkedHashMap<>();
        state.put("adam.m", Nd4j.linspace(DataType.FLOAT, 0, scale, 1000).reshape(10, 100));
        state.put("adam.v", Nd4j.linspace(DataType.FLOAT, 1, scale, 7));
        return state;
    }

    private NativeCheckpoint.Contents contents(long step, Map<String, INDArray> updater) {
        ObjectNode state = Json.MAPPER.createObjectNode();
        state.put("tokens_seen", step * 4096);
        state.putObject("data_cursor").put("shard", 3).put("row", 17 * step);
        state.putArray("rng_seeds").add(42L).add(7L);
        state.putObject("schedule").put("lr", 3e-4).put("warmup_done", true);
        return NativeCheckpoint.Contents.of(weights, config, updater, state, hadoop(tmp.resolve("hf/tokenizer.model")));
    }

    @Test
    void savesLoadsAndKeepsTheLastK() {
        CheckpointStore store = new CheckpointStore(tmp.resolve("run").toString(), 2, conf);
        for (long step : new long[] {100, 200, 300}) {
            weights.get(GemmaWeights.FINAL_NORM).putScalar(0, step);
            store.save(step, contents(step, adamState(step)));
        }
        assertEquals(List.of("step-000000200", "step-000000300"),
                store.completeCheckpoints().stream().map(org.apache.hadoop.fs.Path::getName).toList());
        assertEquals("step-000000300\n", readString(tmp.resolve("run/latest")));
        org.apache.hadoop.fs.Path latest = store.latestValid().orElseThrow();
        assertEquals("step-000000300", latest.getName());

        NativeCheckpoint.Loaded loaded = NativeCheckpoint.load(latest, conf, true, null);
        values.get(GemmaWeights.FINAL_NORM)[0] = 300f;
        values.forEach((name, v) -> assertArrayEquals(v, loaded.weights().get(name).dup().data().asFloat(), name));
        assertEquals(List.of("adam.m", "adam.v"), List.copyOf(loaded.updaterState().keySet()));
        assertEquals(adamState(300).get("adam.m"), loaded.updaterState().get("adam.m"));
        assertArrayEquals(new long[] {10, 100}, loaded.updaterState().get("adam.m").shape());
        ObjectNode state = loaded.trainerState();
        assertEquals(300, state.get("step").asLong());
        assertEquals(300 * 4096, state.get("tokens_seen").asLong());
        assertEquals(17 * 300, state.at("/data_cursor/row").asLong());
        assertEquals(7L, state.at("/rng_seeds/1").asLong());
        assertEquals(3e-4, state.at("/schedule/lr").asDouble());
        assertEquals("sentencepiece bytes", readString(tmp.resolve("run/step-000000300/tokenizer.model")));

        // The same directory is a plain HF model directory too.
        GemmaWeights asHf = HfCheckpoint.load(latest, conf);
        assertEquals(loaded.weights().flat(), asHf.flat());

        Map<String, INDArray> into = adamState(0);
        NativeCheckpoint.readUpdaterStateInto(latest, into, conf);
        assertEquals(adamState(300).get("adam.v"), into.get("adam.v"));
    }

    @Test
    void aCorruptOrPartialNewestCheckpointFallsBackToThePreviousOne() throws IOException {
        CheckpointStore store = new CheckpointStore(tmp.resolve("run").toString(), 3, conf);
        store.save(10, contents(10, adamState(1)));
        store.save(20, contents(20, adamState(2)));
        Path newest = tmp.resolve("run/step-000000020");

        // Flip one byte of the parameters: the checksum names the file.
        flipByte(newest.resolve("model.safetensors"));
        String message = assertThrows(CheckpointFormatException.class,
                () -> NativeCheckpoint.verify(hadoop(newest), conf)).getMessage();
        assertTrue(message.contains("corrupt checkpoint: model.safetensors fails its SHA-256 check"), message);
        assertEquals("step-000000010", store.latestValid().orElseThrow().getName());
        flipByte(newest.resolve("model.safetensors"));
        assertEquals("step-000000020", store.latestValid().orElseThrow().getName());

        // A truncated updater file is caught by its size.
        Path updater = newest.resolve("updater.safetensors");
        byte[] bytes = Files.readAllBytes(updater);
        Files.write(updater, java.util.Arrays.copyOf(bytes, bytes.length - 100));
        assertTrue(assertThrows(CheckpointFormatException.class, () -> NativeCheckpoint.verify(hadoop(newest), conf))
                .getMessage().contains("updater.safetensors has " + (bytes.length - 100) + " bytes, the manifest says "
                        + bytes.length));

        // An interrupted save (no _SUCCESS, latest pointing at it) is skipped too.
        Path partial = tmp.resolve("run/step-000000030");
        Files.createDirectories(partial);
        Files.writeString(partial.resolve("config.json"), "{}");
        Files.writeString(tmp.resolve("run/latest"), "step-000000030\n");
        assertTrue(assertThrows(CheckpointFormatException.class, () -> NativeCheckpoint.verify(hadoop(partial), conf))
                .getMessage().contains("incomplete checkpoint (no _SUCCESS"));
        assertEquals("step-000000010", store.latestValid().orElseThrow().getName());

        Files.delete(tmp.resolve("run/step-000000010/manifest.json"));
        assertTrue(store.latestValid().isEmpty());
    }

    @Test
    void convertsHfToNativeToHfBitExactAndCarriesTrainingStateBetweenNativeCheckpoints() throws IOException {
        org.apache.hadoop.fs.Path hf = hadoop(tmp.resolve("hf"));
        CheckpointConverter.Result toNative = CheckpointConverter.convert(hf, CheckpointConverter.Layout.HF,
                tmp.resolve("native").toString(), CheckpointConverter.Layout.NATIVE, TensorDtype.F32, false, conf, false);
        assertTrue(toNative.tokenizerCopied());
        assertEquals(config.model().parameterCount(), toNative.parameters());
        NativeCheckpoint.verify(hadoop(tmp.resolve("native")), conf);
        assertTrue(NativeCheckpoint.trainerState(hadoop(tmp.resolve("native")), conf).has("imported_from"));

        CheckpointConverter.convert(hadoop(tmp.resolve("native")), CheckpointConverter.Layout.NATIVE,
                tmp.resolve("back").toString(), CheckpointConverter.Layout.HF, TensorDtype.F32, false, conf, false);
        assertFalse(Files.exists(tmp.resolve("back/manifest.json")));
        GemmaWeights back = HfCheckpoint.load(hadoop(tmp.resolve("back")), conf);
        assertArrayEquals(weights.flat().data().asInt(), back.flat().data().asInt()); // raw bits

        CheckpointConverter.convert(hadoop(tmp.resolve("back")), CheckpointConverter.Layout.HF,
                tmp.resolve("bf16").toString(), CheckpointConverter.Layout.HF, TensorDtype.BF16, false, conf, false);
        assertEquals(weights.flat(), HfCheckpoint.load(hadoop(tmp.resolve("bf16")), conf).flat()); // values are bf16-exact
        assertTrue(Files.size(tmp.resolve("bf16/model.safetensors")) < Files.size(tmp.resolve("back/model.safetensors")));

        CheckpointStore store = new CheckpointStore(tmp.resolve("run").toString(), 1, conf);
        org.apache.hadoop.fs.Path saved = store.save(5, contents(5, adamState(5)));
        CheckpointConverter.Result copy = CheckpointConverter.convert(saved, CheckpointConverter.Layout.NATIVE,
                tmp.resolve("copy").toString(), CheckpointConverter.Layout.NATIVE, TensorDtype.F32, false, conf, false);
        assertTrue(copy.updaterCopied());
        NativeCheckpoint.Loaded loaded = NativeCheckpoint.load(copy.output(), conf, true, null);
        assertEquals(adamState(5).get("adam.m"), loaded.updaterState().get("adam.m"));
        assertEquals(5 * 4096, loaded.trainerState().get("tokens_seen").asLong());

        assertTrue(assertThrows(RuntimeException.class, () -> CheckpointConverter.convert(hf, CheckpointConverter.Layout.HF,
                tmp.resolve("copy").toString(), CheckpointConverter.Layout.NATIVE, TensorDtype.F32, false, conf, false))
                .getMessage().contains("output already exists"));
        try (Stream<Path> files = Files.list(tmp)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().contains(".tmp-")), "temporary output left behind");
        }
    }

    @Test
    void aTrainedDecoderRoundTripsWithItsAdamStateAndGivesTheSameLogits() {
        io.gemmaspark.model.GemmaConfig tiny = config.model();
        io.gemmaspark.model.decoder.GemmaDecoder decoder = io.gemmaspark.model.decoder.GemmaDecoder.create(tiny,
                DataType.FLOAT, new org.nd4j.linalg.learning.config.Adam(1e-2), 5);
        int[][] rows = {{2, 5, 9, 14, 3, 7}, {2, 8, 8, 1, 40, 41}};
        for (int step = 0; step < 3; step++) {
            decoder.graph().fit(io.gemmaspark.model.decoder.GemmaDecoder.nextTokenBatch(rows, null));
        }
        INDArray adam = decoder.graph().getUpdater().getStateViewArray();
        assertTrue(adam.length() >= 2 * tiny.parameterCount(), "Adam keeps m and v");
        // Adam's bias correction reads the iteration count, so resuming exactly needs it in the trainer state.
        ObjectNode state = Json.MAPPER.createObjectNode().put("tokens_seen", 30)
                .put("iteration", decoder.graph().getConfiguration().getIterationCount());
        CheckpointStore store = new CheckpointStore(tmp.resolve("trained").toString(), 2, conf);
        org.apache.hadoop.fs.Path saved = store.save(3, NativeCheckpoint.Contents.of(decoder.toWeights(), config,
                Map.of("updater", adam), state, null));

        NativeCheckpoint.Loaded loaded = NativeCheckpoint.load(store.latestValid().orElseThrow(), conf, true, null);
        assertEquals(saved, loaded.dir());
        io.gemmaspark.model.decoder.GemmaDecoder restored = io.gemmaspark.model.decoder.GemmaDecoder.fromWeights(tiny,
                loaded.weights(), new org.nd4j.linalg.learning.config.Adam(1e-2));
        assertArrayEquals(decoder.graph().params().data().asInt(), restored.graph().params().data().asInt());
        assertEquals(decoder.logits(rows[0]), restored.logits(rows[0]));
        restored.graph().getUpdater().getStateViewArray().assign(loaded.updaterState().get("updater"));
        restored.graph().getConfiguration().setIterationCount(loaded.trainerState().get("iteration").asInt());
        assertArrayEquals(adam.data().asInt(), restored.graph().getUpdater().getStateViewArray().data().asInt());
        assertEquals(3, loaded.trainerState().get("step").asLong());

        // One more step from the original and from the restored model lands on the same parameters.
        decoder.graph().fit(io.gemmaspark.model.decoder.GemmaDecoder.nextTokenBatch(rows, null));
        restored.graph().fit(io.gemmaspark.model.decoder.GemmaDecoder.nextTokenBatch(rows, null));
        assertTrue(decoder.graph().params().equalsWithEps(restored.graph().params(), 1e-6));
    }

    private static void flipByte(Path path) throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
            file.seek(file.length() - 5);
            int b = file.read();
            file.seek(file.length() - 5);
            file.write(b ^ 0x10);
        }
    }

    private static String readString(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }
}
