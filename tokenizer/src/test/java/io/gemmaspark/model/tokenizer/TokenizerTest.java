package io.gemmaspark.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.model.tokenizer.proto.SentencePieceModel.ModelProto;
import io.gemmaspark.util.UserError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerTest {
    static ModelProto proto;
    static Tokenizer tokenizer;

    @BeforeAll
    static void train() {
        TokenizerTrainingConfig config = TokenizerTrainingConfig.gemma(1200);
        List<String> lines = SpmTools.lines(SpmTools.resource("corpus/licenses.txt"));
        BpeTrainer.Result result = new BpeTrainer(config).train(BpeTrainerTest.countWords(config, lines));
        proto = result.proto();
        tokenizer = result.tokenizer();
    }

    /** Random Unicode: astral characters, combining marks, controls (NUL and newlines too), long runs. */
    static String randomUnicode(SplittableRandom random) {
        StringBuilder sb = new StringBuilder();
        int parts = random.nextInt(1, 30);
        for (int p = 0; p < parts; p++) {
            switch (random.nextInt(8)) {
                case 0 -> sb.append(" ".repeat(random.nextInt(1, 300)));
                case 1 -> random.ints(random.nextInt(1, 300), '0', '9' + 1).forEach(sb::appendCodePoint);
                case 2 -> sb.appendCodePoint(random.nextInt(0x1F300, 0x1FAFF));
                case 3 -> sb.append('e').appendCodePoint(random.nextInt(0x0300, 0x036F));
                case 4 -> sb.appendCodePoint(random.nextInt(0, 0x20));
                case 5 -> sb.append("\u2581\u2581 \u2581");
                case 6 -> sb.append(SpmTools.randomText(random, random.nextInt(1, 40)));
                default -> {
                    int cp;
                    do {
                        cp = random.nextInt(0, 0x110000);
                    } while (cp >= 0xD800 && cp <= 0xDFFF);
                    sb.appendCodePoint(cp);
                }
            }
        }
        return sb.toString();
    }

    @Test
    void decodeOfLosslessEncodeIsIdentityOnRandomUnicode() {
        SplittableRandom random = new SplittableRandom(20240);
        for (int i = 0; i < 3000; i++) {
            String text = randomUnicode(random);
            int[] ids = tokenizer.encodeLossless(text, false, false);
            assertEquals(text, tokenizer.decode(ids), () -> "ids " + Arrays.toString(ids));
            if (text.indexOf('\u2581') < 0) {
                assertArrayEquals(tokenizer.encode(text), ids, "same ids as encode without U+2581");
            }
        }
    }

    @Test
    void encodingWithAndWithoutTheWordCacheAgrees() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 500; i++) {
            String text = randomUnicode(random);
            IntList direct = new IntList(16);
            tokenizer.encodeInto(text, direct);
            assertArrayEquals(tokenizer.encode(text), direct.toArray());
            // a fresh tokenizer has an empty cache: first and second encodings agree
            assertArrayEquals(tokenizer.encode(text), tokenizer.encode(text));
        }
    }

    @Test
    void batchEncodingIsThreadSafe() {
        SplittableRandom random = new SplittableRandom(11);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            texts.add(randomUnicode(random));
        }
        Tokenizer fresh = new Tokenizer(tokenizer.model());
        List<int[]> parallel = fresh.encodeAll(texts, true, true);
        for (int i = 0; i < texts.size(); i++) {
            assertArrayEquals(tokenizer.encode(texts.get(i), true, true), parallel.get(i));
        }
    }

    @Test
    void specialIdsAndMarkers() {
        assertEquals(0, tokenizer.padId());
        assertEquals(1, tokenizer.eosId());
        assertEquals(2, tokenizer.bosId());
        assertEquals(3, tokenizer.unkId());
        assertEquals("<start_of_turn>", tokenizer.idToPiece(4));
        assertEquals("<end_of_turn>", tokenizer.idToPiece(5));
        assertEquals("<0x00>", tokenizer.idToPiece(6));
        assertEquals("<0xFF>", tokenizer.idToPiece(261));
        int[] ids = tokenizer.encode("<start_of_turn>user\nhi<end_of_turn>", true, true);
        assertEquals(2, ids[0]);
        assertEquals(4, ids[1]);
        assertEquals(5, ids[ids.length - 2]);
        assertEquals(1, ids[ids.length - 1]);
        assertEquals("<start_of_turn>user\nhi<end_of_turn>", tokenizer.decode(ids));
    }

    @Test
    void decodeRejectsUnknownIds() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tokenizer.decode(new int[] {5, 1200}));
        assertEquals("unknown token id 1200 (vocabulary size 1200)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> tokenizer.decode(new int[] {-1}));
    }

    @Test
    void truncatedOrCorruptModelFilesGiveClearErrors(@TempDir Path dir) {
        byte[] bytes = proto.toByteArray();
        for (int cut : new int[] {bytes.length / 2, bytes.length - 3, 7}) {
            byte[] truncated = Arrays.copyOf(bytes, cut);
            UserError e = assertThrows(UserError.class, () -> SentencePieceModelFile.parse(truncated, "t.model"));
            assertTrue(e.getMessage().startsWith("t.model: ") && e.getMessage().contains("truncated"),
                    e.getMessage());
        }
        byte[] garbage = "this is not a model\n".getBytes();
        UserError e = assertThrows(UserError.class, () -> SentencePieceModelFile.parse(garbage, "g.model"));
        assertTrue(e.getMessage().startsWith("g.model: not a SentencePiece model"), e.getMessage());
        UserError missing = assertThrows(UserError.class,
                () -> TokenizerFiles.load(dir.resolve("absent.model").toString()));
        assertTrue(missing.getMessage().endsWith("absent.model: no such tokenizer file"), missing.getMessage());
    }

    @Test
    void byteFallbackWithoutBytePiecesIsRejected() {
        ModelProto.Builder broken = proto.toBuilder();
        broken.removePieces(6 + 0x41);
        broken.getTrainerSpecBuilder().setVocabSize(broken.getPiecesCount());
        UserError e = assertThrows(UserError.class,
                () -> SentencePieceModelFile.tokenizer(broken.build(), "nobytes.model"));
        assertEquals("nobytes.model: byte_fallback is on but the vocabulary lacks 1 of the 256 byte pieces (<0x41>)",
                e.getMessage());
    }

    @Test
    void writtenModelLoadsBack(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tokenizer.model");
        Files.write(file, proto.toByteArray());
        Tokenizer loaded = TokenizerFiles.load(file.toString());
        String text = "Licensed under the Apache License, Version 2.0 (the \"License\");   2024";
        assertArrayEquals(tokenizer.encode(text), loaded.encode(text));
    }

    @Test
    void readsHuggingFaceTokenizerJson() {
        Tokenizer hf = TokenizerFiles.load(SpmTools.resource("tiny-gemma-tokenizer.json").toString());
        assertEquals(278, hf.vocabSize());
        assertEquals(2, hf.bosId());
        // merge rules apply by rank: "t h" first, so "the" without a leading space is "th" + "e"
        assertArrayEquals(new int[] {269, 265, 275}, hf.encode("the and"));
        assertArrayEquals(new int[] {271}, hf.encode(" the"));
        // added tokens match whole; unknown characters fall back to bytes
        int[] ids = hf.encode("<start_of_turn>héllo", true, false);
        assertArrayEquals(new int[] {2, 4, 264, 6 + 0xC3, 6 + 0xA9, 6 + 'l', 6 + 'l', 6 + 'o'}, ids);
        assertEquals("<start_of_turn>héllo", hf.decode(ids));
        assertEquals("  the and", hf.decode(hf.encode("  the and")));
    }
}
