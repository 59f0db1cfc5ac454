package io.gemmaspark.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.model.tokenizer.proto.SentencePieceModel.ModelProto;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model trained by the real {@code spm_train} with Gemma's flags on about 1.1 MB of real text loads here and
 * encodes every line of different real text, and of random Unicode, to exactly {@code spm_encode}'s ids.
 */
class SentencePieceInteropTest {
    @TempDir
    static Path dir;
    static Path spmModel;
    static Tokenizer tokenizer;

    @BeforeAll
    static void trainWithSpm() throws Exception {
        SpmTools.assumeInstalled();
        spmModel = SpmTools.train(SpmTools.resource("corpus/python-docs.txt"), dir, 4000);
        byte[] bytes = Files.readAllBytes(spmModel);
        tokenizer = SentencePieceModelFile.tokenizer(SentencePieceModelFile.parse(bytes, spmModel.toString()),
                spmModel.toString());
    }

    @Test
    void loadsGemmaSpecialIds() {
        assertEquals(4000, tokenizer.vocabSize());
        assertEquals(0, tokenizer.padId());
        assertEquals(1, tokenizer.eosId());
        assertEquals(2, tokenizer.bosId());
        assertEquals(3, tokenizer.unkId());
        assertEquals(PieceType.USER_DEFINED, tokenizer.type(tokenizer.pieceToId("<start_of_turn>")));
        assertEquals(PieceType.BYTE, tokenizer.type(tokenizer.pieceToId("<0x0A>")));
        assertTrue(tokenizer.cachesWords(), "an spm-trained BPE vocabulary never spans a word boundary");
    }

    @Test
    void heldOutRealTextEncodesExactlyAsSpmEncode() {
        assertSameIdsAsSpmEncode(SpmTools.resource("corpus/licenses.txt"));
    }

    @Test
    void randomUnicodeEncodesExactlyAsSpmEncode() throws Exception {
        SplittableRandom random = new SplittableRandom(4);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            lines.add(SpmTools.randomText(random, random.nextInt(0, 200)));
        }
        Path file = dir.resolve("random.txt");
        Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        assertSameIdsAsSpmEncode(file);
    }

    @Test
    void modelFileRoundTripsWithFieldsThisProjectDoesNotDeclare() throws Exception {
        byte[] original = Files.readAllBytes(spmModel);
        ModelProto parsed = SentencePieceModelFile.parse(original, "spm.model");
        assertTrue(parsed.getTrainerSpec().getUnknownFields().asMap().size() > 0,
                "spm_train writes TrainerSpec fields the project's .proto leaves out");
        byte[] written = parsed.toByteArray();
        // protobuf-java writes unknown fields after the declared ones, so only the order of fields may differ
        assertEquals(original.length, written.length);
        assertEquals(parsed, ModelProto.parseFrom(written));
        Path copy = dir.resolve("copy.model");
        Files.write(copy, written);
        Path line = dir.resolve("line.txt");
        Files.writeString(line, "Round trip through the real library: 12345 ▁▁ <start_of_turn>\n");
        assertArrayEquals(SpmTools.encode(spmModel, line, dir).get(0), SpmTools.encode(copy, line, dir).get(0));
    }

    private static void assertSameIdsAsSpmEncode(Path input) {
        List<String> lines = SpmTools.lines(input);
        List<int[]> expected = SpmTools.encode(spmModel, input, dir);
        assertEquals(lines.size(), expected.size());
        List<int[]> actual = tokenizer.encodeAll(lines, false, false);
        int checked = 0;
        for (int i = 0; i < lines.size(); i++) {
            int line = i + 1;
            assertArrayEquals(expected.get(i), actual.get(i), () -> input.getFileName() + " line " + line + ": '"
                    + lines.get(line - 1) + "'");
            String decoded = tokenizer.decode(actual.get(i));
            // SentencePiece writes spaces as U+2581, so a literal U+2581 decodes to a space (see encodeLossless)
            assertEquals(lines.get(i).replace('\u2581', ' '), decoded, "decode(encode(line)) == line");
            checked++;
        }
        assertTrue(checked > 1000, "compared " + checked + " lines");
    }
}
