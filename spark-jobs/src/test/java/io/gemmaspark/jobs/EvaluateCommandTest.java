package io.gemmaspark.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.gemmaspark.model.GemmaConfig;
import io.gemmaspark.model.GemmaWeights;
import io.gemmaspark.model.checkpoint.HfCheckpoint;
import io.gemmaspark.model.checkpoint.HfConfigJson;
import io.gemmaspark.model.checkpoint.TensorDtype;
import io.gemmaspark.model.tokenizer.BpeTrainer;
import io.gemmaspark.model.tokenizer.TokenizerTrainingConfig;
import io.gemmaspark.model.tokenizer.TrainingText;
import io.gemmaspark.util.Json;
import io.gemmaspark.util.Sha256;
import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code evaluate} end to end on Spark local[2] with two tiny checkpoints: a multiple-choice, a generative and a
 * perplexity task, the same samples from 1 and 2 workers, the report files, and report.html in headless Chromium.
 */
class EvaluateCommandTest {
    static final int VOCAB = 320;

    @TempDir
    static Path tmp;
    static Path pretrained;
    static Path tuned;

    @BeforeAll
    static void checkpoints() throws Exception {
        TokenizerTrainingConfig tc = TokenizerTrainingConfig.gemma(VOCAB);
        TrainingText text = new TrainingText(tc);
        Map<String, Long> words = new HashMap<>();
        for (String line : List.of("Question: Which of these is needed by plants? Answer: sunlight and water.",
                "The river ran slowly past the old mill.", "Tom has 3 boxes with 4 apples, so 12 apples. #### 12")) {
            text.words(line, w -> words.merge(w, 1L, Long::sum));
        }
        Path tokenizer = tmp.resolve("tokenizer.model");
        Files.write(tokenizer, new BpeTrainer(tc).train(words).proto().toByteArray());
        GemmaConfig config = new GemmaConfig("eval-tiny", VOCAB, 16, 2, 2, 1, 8, 32, 48, 10000, 1e-6);
        pretrained = model(tmp.resolve("run-pretrain/model"), config, 1, tokenizer);
        tuned = model(tmp.resolve("run-sft/model"), config, 2, tokenizer);
        // The pretraining run's loss log, as pretrain writes it beside its checkpoints.
        Files.writeString(tmp.resolve("run-pretrain/metrics.jsonl"), """
                {"step":1,"stage":"1","loss":5.8,"lr":0.001,"gradNorm":1.0,"tokensPerSecond":100,"tokensSeen":1000,"stepSeconds":1,"validationLoss":null}
                {"step":2,"stage":"1","loss":5.1,"lr":0.001,"gradNorm":1.0,"tokensPerSecond":100,"tokensSeen":2000,"stepSeconds":1,"validationLoss":5.3}
                {"step":3,"stage":"1","loss":4.6,"lr":0.001,"gradNorm":1.0,"tokensPerSecond":100,"tokensSeen":3000,"stepSeconds":1,"validationLoss":null}
                """);
    }

    static Path model(Path dir, GemmaConfig config, long seed, Path tokenizer) throws Exception {
        Files.createDirectories(dir);
        GemmaWeights weights = GemmaWeights.allocate(config);
        Nd4j.getRandom().setSeed(seed);
        weights.flat().assign(Nd4j.randn(weights.flat().dataType(), weights.flat().length()).muli(0.3));
        HfCheckpoint.write(new org.apache.hadoop.fs.Path(dir.toUri()), weights, HfConfigJson.ModelConfig.withGemmaTokens(config),
                TensorDtype.F32, new org.apache.hadoop.fs.Path(tokenizer.toUri()), new Configuration());
        return dir;
    }

    static CliTest.Result evaluate(Path out, int workers, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("evaluate", "--master", "local[2]",
                "--model", pretrained + "," + tuned, "--tasks", "arc_easy,gsm8k,perplexity", "--limit", "3",
                "--num-fewshot", "1", "--set", "max_gen_tokens=6", "--set", "batch_rows=2",
                "--workers", String.valueOf(workers), "--out", out.toString()));
        args.addAll(List.of(extra));
        return CliTest.run(args.toArray(String[]::new));
    }

    @Test
    void evaluatesEndToEndAndOneOrTwoWorkersGiveIdenticalSamples() throws Exception {
        Path two = tmp.resolve("eval-2");
        CliTest.Result r2 = evaluate(two, 2);
        assertEquals(0, r2.status(), r2.out() + r2.err());
        assertTrue(r2.out().contains("report.html"), r2.out());
        assertTrue(Files.exists(two.resolve("_SUCCESS")));
        Path one = tmp.resolve("eval-1");
        CliTest.Result r1 = evaluate(one, 1);
        assertEquals(0, r1.status(), r1.out() + r1.err());
        for (String model : List.of("run-pretrain", "run-sft")) {
            for (String task : List.of("arc_easy", "gsm8k", "perplexity")) {
                Path a = two.resolve("samples/" + model + "/" + task + ".jsonl");
                Path b = one.resolve("samples/" + model + "/" + task + ".jsonl");
                assertEquals(Files.readString(b), Files.readString(a), model + "/" + task);
                assertEquals(task.equals("perplexity") ? 3 : 3, Files.readAllLines(a).size());
            }
        }

        JsonNode mc = Json.MAPPER.readTree(Files.readAllLines(two.resolve("samples/run-pretrain/arc_easy.jsonl")).get(0));
        for (String field : List.of("doc_id", "context", "continuations", "loglikelihoods", "token_counts", "is_greedy",
                "target", "acc", "acc_norm")) {
            assertTrue(mc.has(field), field);
        }
        assertTrue(mc.get("context").asText().endsWith("Question: Which of these is needed by plants to make their own "
                + "food?\nAnswer:"), mc.get("context").asText());
        assertTrue(mc.get("context").asText().contains("\n\n"), "one few-shot example before the question");
        assertEquals(" sunlight", mc.get("continuations").get(0).asText());
        JsonNode gen = Json.MAPPER.readTree(Files.readAllLines(two.resolve("samples/run-pretrain/gsm8k.jsonl")).get(0));
        for (String field : List.of("doc_id", "prompt", "generation", "extracted", "target", "exact_match")) {
            assertTrue(gen.has(field), field);
        }
        assertTrue(gen.get("extracted").has("strict-match") && gen.get("extracted").has("flexible-extract"));
        JsonNode ppl = Json.MAPPER.readTree(Files.readAllLines(two.resolve("samples/run-pretrain/perplexity.jsonl")).get(0));
        for (String field : List.of("doc_id", "loglikelihood", "tokens", "bytes", "words")) {
            assertTrue(ppl.has(field), field);
        }

        JsonNode report = Json.MAPPER.readTree(two.resolve("report.json").toFile());
        assertEquals(1234, report.get("seed").asLong());
        JsonNode first = report.get("models").get(0);
        assertEquals(pretrained.toString(), first.get("path").asText());
        try (InputStream in = Files.newInputStream(pretrained.resolve("model.safetensors"))) {
            assertEquals(Sha256.hex(in), first.get("sha256").asText());
        }
        JsonNode arc = first.get("results").get("arc_easy");
        assertEquals(3, arc.get("examples").asInt());
        assertTrue(arc.get("metrics").get("acc").has("stderr"));
        assertEquals(1, arc.get("config").get("num_fewshot").asInt());
        assertNotNull(first.get("results").get("perplexity").get("metrics").get("bits_per_byte").get("value"));
        assertTrue(first.get("results").get("gsm8k").get("metrics").has("exact_match,flexible-extract"));

        String html = Files.readString(two.resolve("report.html"));
        assertTrue(html.contains("<table id=\"results\">"));
        assertTrue(html.contains("data:image/png;base64,"));
        assertFalse(html.contains("src=\"http"), "self-contained");
        screenshot(two.resolve("report.html"));
    }

    @Test
    void aFailingCheckpointLeavesTheOthersInTheReport() throws Exception {
        Path out = tmp.resolve("eval-fail");
        CliTest.Result r = CliTest.run("evaluate", "--master", "local[2]", "--model", pretrained + "," + tmp.resolve("missing"),
                "--tasks", "perplexity", "--limit", "1", "--out", out.toString());
        assertEquals(1, r.status(), r.out() + r.err());
        JsonNode report = Json.MAPPER.readTree(out.resolve("report.json").toFile());
        assertEquals("ok", report.get("models").get(0).get("status").asText());
        assertEquals("failed", report.get("models").get(1).get("status").asText());
        assertTrue(Files.exists(out.resolve("samples/run-pretrain/perplexity.jsonl")));
    }

    @Test
    void badTaskInputIsReported() throws Exception {
        CliTest.Result unknown = CliTest.run("evaluate", "--model", pretrained.toString(), "--tasks", "trivia",
                "--out", tmp.resolve("x").toString());
        assertEquals(2, unknown.status());
        assertTrue(unknown.err().contains("unknown task 'trivia'; known tasks: hellaswag, arc_easy"), unknown.err());

        Path bad = tmp.resolve("bad-piqa.jsonl");
        Files.writeString(bad, "{\"goal\": \"G\", \"sol1\": \"a\", \"sol2\": \"b\", \"label\": 0}\n"
                + "{\"goal\": \"G\", \"sol1\": \"a\", \"sol2\": \"b\", \"label\": 5}\n");
        CliTest.Result strict = CliTest.run("evaluate", "--master", "local[2]", "--model", pretrained.toString(),
                "--tasks", "piqa=" + bad, "--strict", "--out", tmp.resolve("y").toString());
        assertEquals(2, strict.status());
        assertTrue(strict.err().contains(bad + ":2: field 'label': field 'label' is 5, out of range for 2 choices"),
                strict.err());
        assertFalse(Files.exists(tmp.resolve("y")));
    }

    /** Headless Chromium renders the page: the table header colour and the charts' colours must be on screen. */
    static void screenshot(Path html) throws Exception {
        String chromium = findChromium();
        Assumptions.assumeTrue(chromium != null, "chromium is not installed");
        Path png = html.resolveSibling("report-screenshot.png");
        Process p = new ProcessBuilder(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--screenshot=" + png, "--window-size=1200,2000", html.toUri().toString())
                .redirectErrorStream(true).redirectOutput(html.resolveSibling("chromium.log").toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium finished");
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, "a PNG screenshot");
        int header = 0;
        int saturated = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                int r = rgb >> 16 & 0xff;
                int g = rgb >> 8 & 0xff;
                int b = rgb & 0xff;
                if (Math.abs(r - 0xdd) <= 2 && Math.abs(g - 0xe6) <= 2 && Math.abs(b - 0xf3) <= 2) {
                    header++; // table header cells
                }
                if (Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 120) {
                    saturated++; // plot lines and bars; the page itself has no saturated colour
                }
            }
        }
        assertTrue(header > 2000, "table headers visible: " + header + " pixels");
        assertTrue(saturated > 2000, "charts visible: " + saturated + " pixels");
        Path keep = Path.of(System.getProperty("evaluate.screenshot", "target/evaluate-report-screenshot.png"));
        Files.createDirectories(keep.toAbsolutePath().getParent());
        Files.copy(png, keep, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(html, keep.resolveSibling("evaluate-report.html"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    static String findChromium() {
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
                if (Files.isExecutable(Path.of(dir, name))) {
                    return Path.of(dir, name).toString();
                }
            }
        }
        return null;
    }
}
