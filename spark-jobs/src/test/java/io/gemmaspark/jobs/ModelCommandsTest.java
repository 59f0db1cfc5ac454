package io.gemmaspark.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.model.GemmaConfig;
import io.gemmaspark.model.GemmaWeights;
import io.gemmaspark.model.checkpoint.HfCheckpoint;
import io.gemmaspark.model.checkpoint.HfConfigJson;
import io.gemmaspark.model.checkpoint.NativeCheckpoint;
import io.gemmaspark.model.checkpoint.TensorDtype;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

/** The model commands end to end on a tiny random model: convert, and the errors users see. */
class ModelCommandsTest {
    private static CliTest.Result run(String... args) {
        return CliTest.run(args);
    }

    static final GemmaConfig TINY = new GemmaConfig("cli-tiny", 64, 16, 2, 2, 1, 8, 32, 64, 10000, 1e-6);

    @TempDir
    Path tmp;

    Path hf;

    /** A random tiny model in HF layout, as BF16, with a tokenizer.model to carry along. */
    @BeforeEach
    void tinyHfModel() throws Exception {
        GemmaWeights weights = GemmaWeights.allocate(TINY);
        Nd4j.getRandom().setSeed(1);
        weights.flat().assign(Nd4j.randn(weights.flat().dataType(), weights.flat().length()).muli(0.1));
        hf = tmp.resolve("hf");
        Files.createDirectories(hf);
        Files.writeString(tmp.resolve("tokenizer.model"), "spm");
        HfCheckpoint.write(hadoop(hf), weights, HfConfigJson.ModelConfig.withGemmaTokens(TINY), TensorDtype.BF16,
                hadoop(tmp.resolve("tokenizer.model")), new Configuration());
    }

    static org.apache.hadoop.fs.Path hadoop(Path p) {
        return new org.apache.hadoop.fs.Path(p.toUri());
    }

    @Test
    void convertsHfToNativeAndBackPrintingASummary() throws Exception {
        CliTest.Result toNative = run("convert", "--from", "hf", "--to", "native", "--in", hf.toString(),
                "--out", tmp.resolve("native").toString());
        assertEquals(0, toNative.status(), toNative.err());
        assertTrue(toNative.out().contains("tensors    20 (5,712 parameters) stored as F32"), toNative.out());
        assertTrue(toNative.out().contains("tokenizer.model yes"), toNative.out());
        NativeCheckpoint.verify(hadoop(tmp.resolve("native")), new Configuration());
        assertTrue(Files.exists(tmp.resolve("native/conversion.json")));

        CliTest.Result toHf = run("convert", "--from", "native", "--to", "hf", "--in", tmp.resolve("native").toString(),
                "--out", tmp.resolve("hf16").toString(), "--dtype", "f16");
        assertEquals(0, toHf.status(), toHf.err());
        assertTrue(Files.readString(tmp.resolve("hf16/config.json")).contains("\"torch_dtype\" : \"float16\""));
        GemmaWeights original = HfCheckpoint.load(hadoop(hf), new Configuration());
        GemmaWeights half = HfCheckpoint.load(hadoop(tmp.resolve("hf16")), new Configuration());
        assertTrue(original.flat().equalsWithEps(half.flat(), 1e-3));
    }

    @Test
    void badInputIsOneLineNamingTheProblem() throws Exception {
        CliTest.Result noOut = run("convert", "--from", "hf", "--to", "native", "--in", hf.toString());
        assertEquals(2, noOut.status());
        assertTrue(noOut.err().contains("error: convert: --out DIR is required"), noOut.err());

        CliTest.Result badDtype = run("convert", "--from", "hf", "--to", "native", "--in", hf.toString(),
                "--out", tmp.resolve("x").toString(), "--dtype", "int8");
        assertTrue(badDtype.err().contains("unsupported dtype int8"), badDtype.err());

        Files.writeString(hf.resolve("config.json"), Files.readString(hf.resolve("config.json"))
                .replace("\"intermediate_size\" : 32", "\"intermediate_size\" : 40"));
        CliTest.Result wrongShape = run("convert", "--from", "hf", "--to", "native", "--in", hf.toString(),
                "--out", tmp.resolve("y").toString());
        assertEquals(2, wrongShape.status());
        assertTrue(wrongShape.err().contains("tensor model.layers.0.mlp.gate_proj.weight has shape [32, 16] but the "
                + "config needs [40, 16]"), wrongShape.err());
        assertTrue(wrongShape.err().lines().count() <= 2, wrongShape.err());
        assertTrue(!Files.exists(tmp.resolve("y")), "no output on failure");
    }

    @Test
    void forwardWritesEveryPositionsLogitsAndAgreesAcrossLayoutsAndDtypes() throws Exception {
        Files.delete(hf.resolve("tokenizer.model")); // a placeholder, not a real SentencePiece model
        Path json = tmp.resolve("logits.json");
        CliTest.Result hfRun = run("forward", "--model", hf.toString(), "--ids", "2,5,7,63", "--out", json.toString());
        assertEquals(0, hfRun.status(), hfRun.err());
        assertTrue(hfRun.err().contains("4 positions x 64 logits"), hfRun.err());
        com.fasterxml.jackson.databind.JsonNode logits = io.gemmaspark.util.Json.MAPPER.readTree(json.toFile());
        assertEquals(64, logits.get("vocab_size").asInt());
        assertEquals("[2,5,7,63]", logits.get("ids").toString());
        assertEquals(4, logits.get("logits").size());
        assertEquals(64, logits.get("logits").get(3).size());

        // The same model converted to a native F32 checkpoint (BF16 widens exactly) gives the same logits.
        assertEquals(0, run("convert", "--from", "hf", "--to", "native", "--in", hf.toString(),
                "--out", tmp.resolve("native").toString()).status());
        Path nativeJson = tmp.resolve("native-logits.json");
        assertEquals(0, run("forward", "--model", tmp.resolve("native").toString(), "--ids", "2,5,7,63",
                "--out", nativeJson.toString()).status());
        assertEquals(logits.get("logits"), io.gemmaspark.util.Json.MAPPER.readTree(nativeJson.toFile()).get("logits"));

        // And they are the decoder's logits for those ids.
        io.gemmaspark.model.decoder.GemmaDecoder decoder = io.gemmaspark.model.decoder.GemmaDecoder.fromWeights(TINY,
                HfCheckpoint.load(hadoop(hf), new Configuration()), null);
        float[] expected = decoder.logits(new int[] {2, 5, 7, 63}).getRow(2).toFloatVector();
        for (int v = 0; v < 64; v++) {
            assertEquals(expected[v], (float) logits.get("logits").get(2).get(v).asDouble(), 0f);
        }

        CliTest.Result outside = run("forward", "--model", hf.toString(), "--ids", "2,64");
        assertEquals(2, outside.status());
        assertTrue(outside.err().contains("--ids: element 2 is 64, outside the vocabulary [0, 64)"), outside.err());
        CliTest.Result notAModel = run("forward", "--model", tmp.toString(), "--ids", "2");
        assertTrue(notAModel.err().contains("not a model directory"), notAModel.err());
    }

    @Test
    void generateTakesIdsWithoutATokenizerAndIsDeterministicForASeed() throws Exception {
        Files.delete(hf.resolve("tokenizer.model"));
        CliTest.Result greedy = run("generate", "--model", hf.toString(), "--ids", "2,5,7", "--max-new-tokens", "6");
        assertEquals(0, greedy.status(), greedy.err());
        String ids = greedy.out().trim();
        assertTrue(ids.matches("\\d+(,\\d+){0,5}"), ids);
        assertTrue(greedy.err().contains("output shown as token ids (no tokenizer)"), greedy.err());
        assertEquals(ids, run("generate", "--model", hf.toString(), "--ids", "2,5,7", "--max-new-tokens", "6")
                .out().trim());
        String[] sampled = new String[2];
        for (int i = 0; i < 2; i++) {
            sampled[i] = run("generate", "--model", hf.toString(), "--ids", "2,5,7", "--max-new-tokens", "6",
                    "--temperature", "1.5", "--top-k", "20", "--top-p", "0.9", "--seed", "11").out().trim();
        }
        assertEquals(sampled[0], sampled[1]);

        CliTest.Result text = run("generate", "--model", hf.toString(), "--prompt", "hello");
        assertEquals(2, text.status());
        assertTrue(text.err().contains("--prompt needs a tokenizer, but " + hf + " has no tokenizer.model"), text.err());
        CliTest.Result chatIds = run("generate", "--model", hf.toString(), "--ids", "2", "--chat");
        assertTrue(chatIds.err().contains("--chat applies the template to --prompt text"), chatIds.err());
    }

    @Test
    void chatModeWrapsThePromptInTheGemmaTemplateAfterBos() {
        java.util.List<String> seen = new java.util.ArrayList<>();
        io.gemmaspark.model.TextCodec codec = new io.gemmaspark.model.TextCodec() {
            @Override
            public int[] encode(String text) {
                seen.add(text);
                return text.chars().map(ch -> ch % 64).toArray();
            }

            @Override
            public String decode(int[] ids) {
                return "";
            }

            @Override
            public java.util.OptionalInt pieceId(String piece) {
                return java.util.OptionalInt.empty();
            }
        };
        int[] ids = GenerateCommand.promptIds(codec, 2, "Hi", true);
        assertEquals("<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n", String.join("", seen));
        assertEquals(2, ids[0]);
        assertEquals(String.join("", seen).length() + 1, ids.length);
        seen.clear();
        assertEquals(3, GenerateCommand.promptIds(codec, 2, "Hi", false).length); // BOS, H, i
        assertEquals("Hi", seen.get(0));
    }

    @Test
    void benchCheckpointWritesLoadsAndConvertsAPresetAndReportsFigures() throws Exception {
        CliTest.Result bench = run("bench", "checkpoint", "--checkpoint-preset", "tiny", "--out", tmp.resolve("b").toString());
        assertEquals(0, bench.status(), bench.err());
        assertTrue(bench.out().contains("read+widen"), bench.out());
        com.fasterxml.jackson.databind.JsonNode report = io.gemmaspark.util.Json.MAPPER.readTree(
                tmp.resolve("b/bench-checkpoint.json").toFile());
        assertEquals(GemmaConfig.preset("tiny").parameterCount(), report.get("parameters").asLong());
        assertEquals("BF16", report.get("stored_dtype").asText());
        assertTrue(report.at("/load/read_and_widen/mb_per_cpu_s").asDouble() > 0, report.toString());
        assertTrue(report.at("/convert_to_native_f32/megabytes").asDouble() > report.get("float32_gb").asDouble() * 1e3);
        assertTrue(!Files.exists(tmp.resolve("b/work")), "work files removed");
    }
}
