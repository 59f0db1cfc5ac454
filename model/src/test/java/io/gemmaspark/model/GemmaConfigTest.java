package io.gemmaspark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.config.ConfigException;
import io.gemmaspark.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GemmaConfigTest {
    @Test
    void publishedParameterCountsOfThe2bAnd7bPresets() {
        assertEquals(2_506_172_416L, GemmaConfig.preset("gemma-2b").parameterCount());
        assertEquals(8_537_680_896L, GemmaConfig.preset("gemma-7b").parameterCount());
    }

    @Test
    void presetsHaveTheGemmaShapes() {
        GemmaConfig b2 = GemmaConfig.preset("gemma-2b");
        assertEquals(1, b2.numKeyValueHeads());
        assertEquals(8192, b2.maxPositionEmbeddings());
        GemmaConfig b7 = GemmaConfig.preset("gemma-7b");
        assertEquals(4096, b7.attentionWidth());
        assertEquals(3072, b7.hiddenSize());
        long small = GemmaConfig.preset("small").parameterCount();
        assertTrue(small > 20_000_000 && small < 50_000_000, "small preset: " + small);
    }

    @Test
    void overridesApplyToPresets() {
        assertEquals(2, GemmaConfig.preset("tiny", "num_hidden_layers=2").numHiddenLayers());
    }

    @Test
    void crossFieldRuleIsReportedAgainstTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad-model.yaml");
        Files.writeString(file, Files.readString(Path.of("../conf/models/tiny.yaml"))
                .replace("num_key_value_heads: 1", "num_key_value_heads: 3"));
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(file.toString(), GemmaConfig.class, List.of()));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("must be a multiple of num_key_value_heads (3)"), e.getMessage());
    }
}
