package io.gemmaspark.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.model.tokenizer.BpeTrainer;
import io.gemmaspark.model.tokenizer.TokenizerTrainingConfig;
import io.gemmaspark.model.tokenizer.TrainingText;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tokenizer-encode and tokenizer-decode, run as the CLI runs them. */
class TokenizerCommandsTest {
    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void trainSmallModel() throws Exception {
        TokenizerTrainingConfig config = TokenizerTrainingConfig.gemma(500);
        TrainingText text = new TrainingText(config);
        Map<String, Long> words = new HashMap<>();
        for (String line : Files.readAllLines(Path.of("../tokenizer/src/test/resources/tokenizer/corpus/licenses.txt"))) {
            text.words(line, w -> words.merge(w, 1L, Long::sum));
        }
        model = dir.resolve("tokenizer.model");
        Files.write(model, new BpeTrainer(config).train(words).proto().toByteArray());
    }

    private static String[] run(String... args) {
        CliTest.Result r = CliTest.run(args);
        return new String[] {String.valueOf(r.status()), r.out(), r.err()};
    }

    @Test
    void encodeThenDecodeGivesTheLinesBack() throws Exception {
        String text = "The GNU General Public License is a free, copyleft license.\n"
                + "   indented 2024 line\twith tab\r\n"
                + "\n"
                + "<start_of_turn>user\u00e9 \ud83d\ude00<end_of_turn>\n";
        Path input = dir.resolve("in.txt");
        Files.writeString(input, text, StandardCharsets.UTF_8);
        String[] encoded = run("tokenizer-encode", "--model", model.toString(), "--input", input.toString(), "--bos");
        assertEquals("0", encoded[0], encoded[2]);
        String[] idLines = encoded[1].split("\n", -1);
        assertEquals(5, idLines.length, encoded[1]);
        assertTrue(idLines[0].startsWith("2 "), "--bos puts <bos> first: " + idLines[0]);
        assertEquals("2", idLines[2], "an empty line is just <bos>");

        Path ids = dir.resolve("ids.txt");
        Files.writeString(ids, encoded[1], StandardCharsets.UTF_8);
        String[] decoded = run("tokenizer-decode", "--model", model.toString(), "--input", ids.toString());
        assertEquals("0", decoded[0], decoded[2]);
        assertEquals(text, decoded[1]);
    }

    @Test
    void decodeNamesTheLineWithAnUnknownId() throws Exception {
        Path ids = dir.resolve("bad-ids.txt");
        Files.writeString(ids, "5 6 7\n8 99999\n");
        String[] result = run("tokenizer-decode", "--model", model.toString(), "--input", ids.toString());
        assertEquals("2", result[0]);
        assertEquals("error: " + ids + ":2: unknown token id 99999 (vocabulary size 500)", result[2].strip());
    }

    @Test
    void corruptModelIsOneClearLine() throws Exception {
        Path bad = dir.resolve("bad.model");
        byte[] bytes = Files.readAllBytes(model);
        Files.write(bad, java.util.Arrays.copyOf(bytes, bytes.length / 3));
        String[] result = run("tokenizer-encode", "--model", bad.toString(), "--input", bad.toString());
        assertEquals("2", result[0]);
        assertTrue(result[2].startsWith("error: " + bad + ": ") && result[2].contains("truncated"), result[2]);
    }

    @Test
    void invalidUtf8IsReplacedSkippedOrNamedByLine() throws Exception {
        Path input = dir.resolve("latin1.txt");
        byte[] good = "good line\n".getBytes(StandardCharsets.UTF_8);
        byte[] bad = "caf\u00e9 latin-1\n".getBytes(StandardCharsets.ISO_8859_1); // 0xE9 alone is not UTF-8
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        bytes.write(good);
        bytes.write(bad);
        bytes.write(good);
        Files.write(input, bytes.toByteArray());
        String[] goodIds = run("tokenizer-encode", "--model", model.toString(), "--input", input.toString());
        assertEquals("0", goodIds[0], goodIds[2]);
        String[] lines = goodIds[1].split("\n");
        assertEquals(3, lines.length, "replace (the default) keeps every line");
        assertTrue(goodIds[2].contains("1 line(s) with invalid UTF-8 encoded with U+FFFD, the first at " + input + ":2"),
                goodIds[2]);
        Path fffd = dir.resolve("fffd.txt");
        Files.writeString(fffd, "good line\ncaf\ufffd latin-1\ngood line\n", StandardCharsets.UTF_8);
        assertEquals(run("tokenizer-encode", "--model", model.toString(), "--input", fffd.toString())[1], goodIds[1],
                "the bad byte becomes U+FFFD");

        String[] skipped = run("tokenizer-encode", "--model", model.toString(), "--input", input.toString(),
                "--invalid-utf8", "skip");
        assertEquals("0", skipped[0], skipped[2]);
        assertEquals(lines[0] + "\n" + lines[2] + "\n", skipped[1]);

        String[] failed = run("tokenizer-encode", "--model", model.toString(), "--input", input.toString(),
                "--invalid-utf8", "fail");
        assertEquals("2", failed[0]);
        assertTrue(failed[2].startsWith("error: " + input + ":2: invalid UTF-8 at byte 3"), failed[2]);

        String[] wrong = run("tokenizer-encode", "--model", model.toString(), "--invalid-utf8", "ignore");
        assertTrue(!"0".equals(wrong[0]) && wrong[2].contains("'ignore' is not one of replace, skip, fail"), wrong[2]);
    }
}
