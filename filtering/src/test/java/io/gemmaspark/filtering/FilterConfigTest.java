package io.gemmaspark.filtering;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.config.ConfigException;
import io.gemmaspark.filtering.normalize.InvalidUtf8Policy;
import io.gemmaspark.filtering.quality.C4QualityFilter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilterConfigTest {
    private static String error(String... overrides) {
        return assertThrows(ConfigException.class, () -> FilterPipeline.fromConfig(FilterConfig.defaults(overrides)))
                .getMessage();
    }

    @Test
    void defaultsCarryThePublishedThresholds() {
        FilterConfig c = FilterConfig.defaults();
        assertEquals(50, c.gopherQuality().minDocWords());
        assertEquals(100_000, c.gopherQuality().maxDocWords());
        assertEquals(0.1, c.gopherQuality().maxSymbolWordRatio());
        assertEquals(List.of("the", "be", "to", "of", "and", "that", "have", "with"), c.gopherQuality().stopWords());
        assertEquals(0.16, c.gopherRepetition().topNgramMaxCharFraction().get("4"));
        assertEquals(0.10, c.gopherRepetition().dupNgramMaxCharFraction().get("10"));
        assertEquals(5, c.c4Quality().minNumSentences());
        assertEquals(C4QualityFilter.CurlyBracePolicy.DROP_DOCUMENT, c.c4Quality().curlyBraces());
        assertEquals(InvalidUtf8Policy.REPLACE, c.normalize().invalidUtf8());
        assertEquals(14, c.dedup().nearDuplicates().bands());
        assertEquals(8, c.dedup().nearDuplicates().rowsPerBand());
    }

    @Test
    void everyFilterCanBeSwitchedOff() {
        FilterPipeline bare = FilterPipeline.fromConfig(FilterConfig.defaults("normalize.enabled=false",
                "pii.enabled=false", "language.enabled=false", "gopher_repetition.enabled=false",
                "gopher_quality.enabled=false",
                "c4_quality.enabled=false", "blocklist.enabled=false", "classifiers=[]"));
        assertEquals(List.of("input"), bare.filters().stream().map(DocumentFilter::name).toList());
        FilterOutcome outcome = bare.process(Document.of("a", "tiny shit {}"));
        assertTrue(outcome.kept());
        assertEquals(1.0, outcome.qualityScore());
    }

    @Test
    void unknownKeyNamesFileLineAndKey() {
        String message = error("gopher_quality.min_doc_wrds=10");
        assertTrue(message.contains("key 'gopher_quality.min_doc_wrds': unknown key"), message);
    }

    @Test
    void wrongTypeNamesKeyAndExpectedType() {
        String message = error("c4_quality.min_num_sentences=five");
        assertTrue(message.contains("key 'c4_quality.min_num_sentences': expected an integer, got 'five'"), message);
        message = error("c4_quality.curly_braces=sometimes");
        assertTrue(message.contains("c4_quality.curly_braces") && message.contains("drop_document"), message);
    }

    @Test
    void outOfRangeValueNamesKey() {
        String message = error("gopher_quality.min_alpha_words_ratio=1.5");
        assertTrue(message.contains("key 'gopher_quality.min_alpha_words_ratio': value 1.5 is out of range [0, 1]"),
                message);
    }

    @Test
    void crossFieldRulesNameTheSection() {
        String message = error("gopher_quality.min_doc_words=500", "gopher_quality.max_doc_words=100");
        assertTrue(message.contains("gopher_quality") && message.contains("min_doc_words exceeds max_doc_words"),
                message);
        message = error("quality_score.stage_thresholds=[0.8, 0.5]");
        assertTrue(message.contains("quality_score") && message.contains("ascending"), message);
    }

    @Test
    void unknownScoreSignalIsNamed() {
        String message = error("quality_score.components=[{signal: gopher_quality.stopword_fraction, bad: 0, good: 1, weight: 1}]");
        assertTrue(message.contains("quality_score.components[0].signal")
                && message.contains("gopher_quality.stopword_fraction")
                && message.contains("gopher_quality.stop_word_fraction"), message);
    }

    @Test
    void missingKeyInACustomFileNamesIt(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("filters.yaml");
        String yaml = Files.readString(Path.of("../conf/filters/default.yaml"))
                .replace("  max_chars: 1000000\n", "");
        Files.writeString(file, yaml);
        ConfigException e = assertThrows(ConfigException.class, () -> FilterConfig.load(file.toString(), List.of()));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("key 'input.max_chars': missing required key (an integer)"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }
}
