package io.gemmaspark.training.sft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.model.TextCodec;
import io.gemmaspark.model.chat.ChatTemplate;
import io.gemmaspark.model.chat.ChatTokens;
import io.gemmaspark.util.UserError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class SftDatasetTest {
    @TempDir
    Path tmp;

    /** One id per character (1000 + char), markers and pad as single ids. */
    public static final TextCodec CHARS = new TextCodec() {
        final Map<String, Integer> special = Map.of("<start_of_turn>", 106, "<end_of_turn>", 107, "<pad>", 0);

        @Override
        public int[] encode(String text) {
            java.util.List<Integer> ids = new java.util.ArrayList<>();
            int i = 0;
            outer:
            while (i < text.length()) {
                for (var e : special.entrySet()) {
                    if (text.startsWith(e.getKey(), i)) {
                        ids.add(e.getValue());
                        i += e.getKey().length();
                        continue outer;
                    }
                }
                ids.add(1000 + text.charAt(i++));
            }
            return ids.stream().mapToInt(Integer::intValue).toArray();
        }

        @Override
        public String decode(int[] ids) {
            return "";
        }

        @Override
        public OptionalInt pieceId(String piece) {
            Integer id = special.get(piece);
            return id == null ? OptionalInt.empty() : OptionalInt.of(id);
        }
    };

    @Test
    void badRecordsAreNamedByFileAndLineAndCountedByReason() throws Exception {
        Files.createDirectories(tmp.resolve("d"));
        Files.writeString(tmp.resolve("d/a.jsonl"), String.join("\n",
                "{\"prompt\":\"Hi\",\"completion\":\"Hello\"}",
                "{\"messages\":[{\"role\":\"model\",\"content\":\"x\"},{\"role\":\"user\",\"content\":\"y\"}]}",
                "",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"assistant\",\"content\":\"b\"}]}",
                "{\"prompt\":\"only a prompt\"}",
                "not json"));
        Files.writeString(tmp.resolve("d/b.jsonl"), String.join("\n",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"tool\",\"content\":\"b\"}]}",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"  \"},{\"role\":\"model\",\"content\":\"b\"}]}",
                "{\"prompt\":\"" + "long ".repeat(20) + "\",\"completion\":\"ok\"}"));
        ChatTemplate template = new ChatTemplate(CHARS, 2);
        SftDataset data = SftDataset.read(tmp.resolve("d/*.jsonl").toString(), new Configuration(), template, 60,
                false);
        assertEquals(2, data.examples().size());
        assertEquals(8, data.manifest().read());
        assertEquals(Map.of("wrong_role_order", 1L, "missing_fields", 1L, "malformed_json", 1L, "unknown_role", 1L,
                "empty_content", 1L, "too_long", 1L), data.manifest().dropped());
        List<String> bad = data.manifest().firstBad();
        assertTrue(bad.get(0).endsWith("a.jsonl:2: wrong_role_order: message 1 is model, expected user (roles "
                + "alternate, starting with user)"), bad.get(0));
        assertTrue(bad.get(1).contains("a.jsonl:5: missing_fields"), bad.get(1));
        assertTrue(bad.get(2).contains("a.jsonl:6: malformed_json"), bad.get(2));
        assertTrue(bad.get(3).contains("b.jsonl:1: unknown_role"), bad.get(3));
        assertTrue(bad.get(4).contains("b.jsonl:2: empty_content"), bad.get(4));
        assertTrue(bad.get(5).contains("b.jsonl:3: too_long"), bad.get(5));
        assertTrue(data.examples().get(1).where().endsWith("a.jsonl:4"));
        assertEquals("b", data.examples().get(1).reference());

        UserError strict = assertThrows(UserError.class, () -> SftDataset.read(tmp.resolve("d").toString(),
                new Configuration(), template, 60, true));
        assertTrue(strict.getMessage().contains("a.jsonl:2: wrong_role_order"), strict.getMessage());
    }

    @Test
    void rowsCarryLabelWeightsOnModelTokensAndSegmentIds() {
        // Two conversations as ids with hand-made masks: [B u u E n | m m E n] lengths 5 and 4.
        ChatTokens a = new ChatTokens(new int[] {2, 10, 11, 12, 13}, new boolean[] {false, false, false, true, true});
        ChatTokens b = new ChatTokens(new int[] {2, 20, 21, 22}, new boolean[] {false, false, true, true});
        List<SftRow> packed = SftRows.layout(List.of(a, b), 10, 0, true);
        assertEquals(1, packed.size());
        SftRow row = packed.get(0);
        assertArrayEquals(new int[] {2, 10, 11, 12, 13, 2, 20, 21, 22, 0, 0}, row.tokens);
        // label of position t is token t+1: trained tokens 12,13 (positions 2,3) and 21,22 (positions 6,7);
        // position 4 predicts the next conversation's BOS: not trained.
        assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0, 1, 1, 0, 0}, row.weights);
        assertArrayEquals(new int[] {1, 1, 1, 1, 1, 2, 2, 2, 2, 0}, row.segments);

        List<SftRow> alone = SftRows.layout(List.of(a, b), 10, 0, false);
        assertEquals(2, alone.size());
        assertArrayEquals(new int[] {2, 20, 21, 22, 0, 0, 0, 0, 0, 0, 0}, alone.get(1).tokens);
        assertArrayEquals(new float[] {0, 1, 1, 0, 0, 0, 0, 0, 0, 0}, alone.get(1).weights);

        // A third conversation that does not fit starts a new row.
        assertEquals(2, SftRows.layout(List.of(a, b, a), 10, 0, true).size());
    }
}
