package io.gemmaspark.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gemmaspark.evaluation.lm.BatchSettings;
import io.gemmaspark.evaluation.lm.GenerationRequest;
import io.gemmaspark.evaluation.lm.LocalBackend;
import io.gemmaspark.evaluation.lm.ModelFiles;
import io.gemmaspark.evaluation.tasks.Example;
import io.gemmaspark.evaluation.tasks.MultipleChoiceItem;
import io.gemmaspark.evaluation.tasks.TaskFormat;
import io.gemmaspark.filtering.FilterConfig;
import io.gemmaspark.model.TextCodec;
import io.gemmaspark.model.checkpoint.HfCheckpoint;
import io.gemmaspark.model.decoder.GemmaDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Multiple choice, rolling perplexity and generation on a tiny model, against values computed by hand. */
class TaskScoringTest {
    static final int CONTEXT = 8;

    @TempDir
    static Path tmp;
    static ModelFiles files;
    static TextCodec codec;
    static HandScoring hand;

    @BeforeAll
    static void tinyModel() throws Exception {
        Path dir = TinyModels.write(tmp.resolve("tiny"), TinyModels.config("mc", CONTEXT), 11, 0.5);
        files = TinyModels.files(dir);
        codec = files.codec();
        hand = new HandScoring(GemmaDecoder.fromWeights(TinyModels.config("mc", CONTEXT),
                HfCheckpoint.load(TinyModels.hadoop(dir), new Configuration()), null));
    }

    static ModelContext model(EvaluationSettings settings) {
        return new ModelContext(files, codec, new LocalBackend(files, new BatchSettings(3, 1 << 20)), settings);
    }

    static EvaluationSettings settings() {
        return new EvaluationSettings(0, 0, 1234, false, false, 6, 6, 3, 1 << 20);
    }

    /** [bos] + enc(context), and whole[len(ctx):] of [bos] + enc(context + continuation). */
    static double handChoice(String context, String continuation) {
        int[] ctx = HandScoring.withBos(codec.encode(context));
        int[] whole = HandScoring.withBos(codec.encode(context + continuation));
        assertTrue(whole.length <= CONTEXT + 1, "no truncation in this example");
        return hand.logprob(whole, ctx.length);
    }

    @Test
    void accAndAccNormDisagreeWhenTheLikelierChoiceIsShortPerCharacterWorse() {
        String question = "Q:";
        String shortChoice = "a";
        String longChoice = "the ox";
        double llShort = handChoice(question, " " + shortChoice);
        double llLong = handChoice(question, " " + longChoice);
        // The crafted case: the short choice is likelier in total, the long one per character.
        assertTrue(llShort > llLong, llShort + " vs " + llLong);
        assertTrue(llShort / shortChoice.length() < llLong / longChoice.length());

        Example gold = new Example(0, MultipleChoiceItem.standard(question, List.of(shortChoice, longChoice), 1), "", "");
        Example other = new Example(1, MultipleChoiceItem.standard(question, List.of(shortChoice, longChoice), 0), "", "");
        TaskResult r = MultipleChoiceTask.run("crafted", List.of(gold, other), List.of("", ""), model(settings()));
        ObjectNode s0 = r.samples().get(0);
        assertEquals(llShort, s0.get("loglikelihoods").get(0).asDouble(), 1e-4);
        assertEquals(llLong, s0.get("loglikelihoods").get(1).asDouble(), 1e-4);
        assertEquals(" the ox", s0.get("continuations").get(1).asText());
        assertEquals("Q:", s0.get("context").asText());
        assertEquals(0.0, s0.get("acc").asDouble());
        assertEquals(1.0, s0.get("acc_norm").asDouble());
        assertEquals(1.0, r.samples().get(1).get("acc").asDouble());
        assertEquals(0.0, r.samples().get(1).get("acc_norm").asDouble());
        // acc = [0, 1]: mean 0.5, sample sd sqrt(0.5), stderr sqrt(0.5)/sqrt(2) = 0.5
        assertEquals(0.5, r.metrics().get("acc").value(), 1e-12);
        assertEquals(0.5, r.metrics().get("acc").stderr(), 1e-12);
    }

    @Test
    void stderrIsTheSampleStandardDeviationOverRootN() {
        // [1,0,0,1,1]: mean 0.6, sample variance (3*0.16 + 2*0.36)/4 = 0.3, stderr sqrt(0.3/5)
        var m = io.gemmaspark.evaluation.metrics.Metric.mean(new double[] {1, 0, 0, 1, 1});
        assertEquals(0.6, m.value(), 1e-12);
        assertEquals(Math.sqrt(0.06), m.stderr(), 1e-12);
    }

    @Test
    void winograndeScoresTheSharedSuffixAfterEachOption() throws Exception {
        Path file = tmp.resolve("wino.jsonl");
        Files.writeString(file, "{\"sentence\": \"A _ b.\", \"option1\": \"x\", \"option2\": \"y\", \"answer\": \"2\"}\n");
        TaskRunner runner = new TaskRunner(new TaskSpec("winogrande", TaskFormat.WINOGRANDE, file.toString()), settings(), new Configuration());
        TaskResult r = runner.run(model(settings()), null);
        ObjectNode s = r.samples().get(0);
        assertEquals("[\"A x\",\"A y\"]", s.get("context").toString());
        assertEquals("[\" b.\",\" b.\"]", s.get("continuations").toString());
        assertEquals(handChoice("A x", " b."), s.get("loglikelihoods").get(0).asDouble(), 1e-4);
        assertEquals(handChoice("A y", " b."), s.get("loglikelihoods").get(1).asDouble(), 1e-4);
        assertNull(r.metrics().get("acc_norm"), "acc_norm means nothing when every choice has the same continuation");
    }

    @Test
    void bitsPerByteOverADocumentLongerThanTheContextUsesDisjointWindows() throws Exception {
        String text = "The river ran slowly past the old mill.";
        Path file = tmp.resolve("ppl.jsonl");
        Files.writeString(file, "{\"text\": \"" + text + "\"}\n");
        int[] tokens = codec.encode(text);
        int n = tokens.length;
        assertTrue(n > 3 * CONTEXT, "several windows: " + n);

        // By hand: the first window reads [bos] + tokens[:L-1]; a window ending at `end` reads tokens[end-L-1:end-1]
        // and predicts tokens it has not predicted before.
        double ll = 0;
        int[] first = HandScoring.concat(new int[] {2}, Arrays.copyOfRange(tokens, 0, CONTEXT - 1));
        for (int j = 0; j < CONTEXT; j++) {
            ll += hand.logprobAt(first, j, tokens[j]);
        }
        int windows = 1;
        for (int start = CONTEXT; start < n; start += CONTEXT) {
            int end = Math.min(n, start + CONTEXT);
            int[] input = Arrays.copyOfRange(tokens, end - CONTEXT - 1, end - 1);
            for (int j = start; j < end; j++) {
                ll += hand.logprobAt(input, j - (end - CONTEXT), tokens[j]);
            }
            windows++;
        }
        long bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        long words = 8; // "The river ran slowly past the old mill."

        TaskResult r = new TaskRunner(new TaskSpec("perplexity", TaskFormat.PERPLEXITY, file.toString()), settings(), new Configuration())
                .run(model(settings()), null);
        ObjectNode s = r.samples().get(0);
        assertEquals(ll, s.get("loglikelihood").asDouble(), 1e-3);
        assertEquals(windows, s.get("windows").asInt());
        assertEquals(n, s.get("tokens").asInt());
        assertEquals(bytes, s.get("bytes").asLong());
        assertEquals(words, s.get("words").asLong());
        assertEquals(-ll / bytes / Math.log(2), r.metrics().get("bits_per_byte").value(), 1e-4);
        assertEquals(Math.exp(-ll / bytes), r.metrics().get("byte_perplexity").value(), 1e-3);
        assertEquals(Math.exp(-ll / words), r.metrics().get("word_perplexity").value(), 1e-2 * Math.exp(-ll / words));
    }

    @Test
    void generationStopsAtTheFirstStopStringAndCutsBeforeIt() {
        int[] prompt = HandScoring.withBos(codec.encode("Q:"));
        int[] sequence = prompt;
        for (int step = 0; step < 5; step++) {
            sequence = HandScoring.concat(sequence, new int[] {hand.argmaxAt(sequence, sequence.length - 1)});
        }
        String full = codec.decode(Arrays.copyOfRange(sequence, prompt.length, sequence.length));
        assertTrue(full.length() >= 3, full);
        String stop = full.substring(full.length() - 2);
        String expected = full.substring(0, full.indexOf(stop));
        List<String> out = new LocalBackend(files, new BatchSettings(2, 1 << 20)).generate(List.of(
                new GenerationRequest(prompt, List.of(stop), new int[0], 5),
                new GenerationRequest(prompt, List.of(), new int[0], 5)));
        assertEquals(expected, out.get(0));
        assertEquals(full, out.get(1));
    }

    @Test
    void safetyRatesAreSplitByCategory() throws Exception {
        Path file = tmp.resolve("safety.jsonl");
        Files.writeString(file, """
                {"prompt": "bad one", "category": "harmful", "source": "test"}
                {"prompt": "good one", "category": "benign", "source": "test"}
                """);
        TaskResult r = new TaskRunner(new TaskSpec("safety", TaskFormat.SAFETY, file.toString()), settings(), new Configuration())
                .run(model(settings()), FilterConfig.defaults());
        assertEquals(2, r.samples().size());
        for (String key : List.of("unsafe_rate,harmful", "unsafe_rate,benign", "pii_leak_rate,harmful",
                "refusal_rate,benign")) {
            assertTrue(r.metrics().containsKey(key), key);
        }
        assertEquals("harmful", r.samples().get(0).get("category").asText());
    }
}
