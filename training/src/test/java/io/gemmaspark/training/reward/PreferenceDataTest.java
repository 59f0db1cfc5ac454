package io.gemmaspark.training.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.model.chat.ChatTemplate;
import io.gemmaspark.training.sft.SftDatasetTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreferenceDataTest {
    @TempDir
    Path tmp;

    @Test
    void pairsOfBothShapesAreReadAndBadOnesCountedByReason() throws Exception {
        Files.writeString(tmp.resolve("p.jsonl"), String.join("\n",
                "{\"prompt\":\"2+2?\",\"chosen\":\"4\",\"rejected\":\"5\",\"margin\":0.5}",
                "{\"prompt\":\"2+2?\",\"chosen\":\"4\"}",
                "{\"chosen\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"hello\"}],"
                        + "\"rejected\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"model\",\"content\":\"go\"}]}",
                "{\"prompt\":\"x\",\"rejected\":\"y\"}",
                "{\"chosen\":[{\"role\":\"model\",\"content\":\"a\"}],\"rejected\":[]}"));
        ChatTemplate template = new ChatTemplate(SftDatasetTest.CHARS, 2);
        PreferenceData data = PreferenceData.read(tmp.resolve("p.jsonl").toString(), new Configuration(), template,
                64, false);
        assertEquals(2, data.pairs().size());
        assertEquals(0.5, data.pairs().get(0).margin);
        // chosen = <bos> <start_of_turn> "user\n" (5) "2+2?" (4) <end_of_turn> "\n" <start_of_turn> "model\n" (6)
        // "4" <end_of_turn> "\n": 1 + 1 + 5 + 4 + 2 + 1 + 6 + 1 + 2 = 23 ids
        assertEquals(23, data.pairs().get(0).chosen.length);
        assertEquals(Map.of("missing_fields", 2L, "wrong_role_order", 1L), data.manifest().dropped());
        assertTrue(data.manifest().firstBad().get(0).contains("p.jsonl:2: missing_fields: no \"rejected\" field"),
                data.manifest().firstBad().get(0));
        assertTrue(data.manifest().firstBad().get(1).contains("p.jsonl:4: missing_fields: no \"chosen\" field"));
    }
}
