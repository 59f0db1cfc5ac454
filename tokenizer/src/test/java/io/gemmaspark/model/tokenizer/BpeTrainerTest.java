package io.gemmaspark.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BpeTrainerTest {
    @TempDir
    Path dir;

    static Map<String, Long> countWords(TokenizerTrainingConfig config, List<String> lines) {
        TrainingText text = new TrainingText(config);
        Map<String, Long> counts = new HashMap<>();
        for (String line : lines) {
            text.words(line, w -> counts.merge(w, 1L, Long::sum));
        }
        return counts;
    }

    @Test
    void mergesTheMostFrequentPairFirstAndCountsRepeatsOnce() {
        TokenizerTrainingConfig config = TokenizerTrainingConfig.gemma(262 + 3 + 2);
        // "aaaa" holds two "aa" and "aaa" one; "ab" occurs 3 times, "aa" 2 + 1 = 3 times: the tie goes to the
        // smaller piece, "aa"
        BpeTrainer.Result result = new BpeTrainer(config).train(Map.of("aaaa", 1L, "aaa", 1L, "ab", 3L));
        Tokenizer t = result.tokenizer();
        assertEquals(2, result.alphabetSize());
        assertEquals("aa", t.idToPiece(262));
        assertEquals("ab", t.idToPiece(263));
        assertEquals("aaa", t.idToPiece(264));
        assertEquals("a", t.idToPiece(265));
        assertEquals("b", t.idToPiece(266));
        // "aa" outranks "aaa": leftmost "aa" twice, then the remaining "aa"+"a"
        assertArrayEquals(new int[] {262, 264}, t.encode("aaaaa"));
    }

    @Test
    void piecesRespectDigitsScriptsAndWhitespaceRules() {
        TokenizerTrainingConfig config = TokenizerTrainingConfig.gemma(600);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            lines.add("the 2024 report,   said   the  board. the end. 日本語のテキスト");
        }
        Tokenizer t = new BpeTrainer(config).train(countWords(config, lines)).tokenizer();
        for (int id = 0; id < t.vocabSize(); id++) {
            String piece = t.idToPiece(id);
            if (t.type(id) != PieceType.NORMAL || piece.length() == 1) {
                continue;
            }
            assertFalse(piece.chars().anyMatch(Character::isDigit), "digits are split: " + piece);
            assertFalse(piece.matches(".*[a-z][,.].*|.*[,.][a-z].*"), "letters and punctuation: " + piece);
            assertTrue(piece.matches("▁*") || piece.indexOf('▁', 1) < 0, "space symbol only leads: " + piece);
        }
        assertTrue(t.pieceToId("▁▁") != t.unkId(), "whitespace-only pieces are learned");
        String text = "the 2024 report,   said   the  board.";
        assertEquals(text, t.decode(t.encode(text)));
    }

    /** The project's trainer writes a .model that the real spm_encode loads and encodes exactly as this project. */
    @Test
    void trainedModelEncodesIdenticallyInSpmEncodeAndCompressesLikeSpmTrain() throws Exception {
        SpmTools.assumeInstalled();
        int vocab = 4000;
        TokenizerTrainingConfig config = TokenizerTrainingConfig.gemma(vocab);
        List<String> corpus = SpmTools.lines(SpmTools.resource("corpus/python-docs.txt"));
        BpeTrainer.Result result = new BpeTrainer(config).train(countWords(config, corpus));
        assertEquals(vocab, result.tokenizer().vocabSize());
        Path model = dir.resolve("ours.model");
        Files.write(model, result.proto().toByteArray());

        Path heldOut = SpmTools.resource("corpus/licenses.txt");
        List<String> lines = SpmTools.lines(heldOut);
        List<int[]> spm = SpmTools.encode(model, heldOut, dir);
        List<int[]> ours = result.tokenizer().encodeAll(lines, false, false);
        long tokens = 0;
        for (int i = 0; i < lines.size(); i++) {
            int line = i + 1;
            assertArrayEquals(spm.get(i), ours.get(i), () -> "line " + line + ": " + lines.get(line - 1));
            tokens += ours.get(i).length;
        }

        Tokenizer spmTrained = SentencePieceModelFile.tokenizer(SentencePieceModelFile.parse(
                Files.readAllBytes(SpmTools.train(SpmTools.resource("corpus/python-docs.txt"), dir, vocab)), "spm"),
                "spm");
        long spmTokens = spmTrained.encodeAll(lines, false, false).stream().mapToLong(a -> a.length).sum();
        long bytes = Files.readString(heldOut, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8).length;
        double ratio = (double) tokens / spmTokens;
        System.out.printf("held-out bytes/token: project %.4f, spm_train %.4f (tokens %d vs %d, ratio %.4f)%n",
                (double) bytes / tokens, (double) bytes / spmTokens, tokens, spmTokens, ratio);
        assertTrue(Math.abs(ratio - 1) < 0.01, "compression within 1% of spm_train: ratio " + ratio);
    }
}
