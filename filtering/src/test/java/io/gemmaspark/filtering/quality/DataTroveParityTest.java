package io.gemmaspark.filtering.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gemmaspark.filtering.DocumentFilter;
import io.gemmaspark.filtering.FilterConfig;
import io.gemmaspark.filtering.FilterDecision;
import io.gemmaspark.filtering.Signals;
import io.gemmaspark.filtering.text.ParsedText;
import io.gemmaspark.filtering.text.SentenceSplitter;
import io.gemmaspark.filtering.text.TreebankWordTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Parity with DataTrove's Gopher repetition, Gopher quality and C4 quality filters. The fixtures in
 * src/test/resources/parity/ were written by make_fixture.py, which runs a hand transcription of DataTrove's
 * definitions on NLTK's own tokenizers (Debian python3-nltk 3.8): per-document decisions and reasons, NLTK's
 * Treebank tokens for a set of sentences, Punkt's sentences for the same texts, and DataTrove's punctuation set.
 * The filters run here with DataTrove's settings (bullets "•" and "-", case-sensitive stop words), the two
 * documented differences of conf/filters/default.yaml.
 */
class DataTroveParityTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<JsonNode> lines(String resource) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        try (InputStream in = DataTroveParityTest.class.getResourceAsStream("/parity/" + resource)) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    out.add(JSON.readTree(line));
                }
            }
        }
        return out;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void perDocumentDecisionsAndReasonsMatchDataTrove() throws IOException {
        FilterConfig config = FilterConfig.defaults("gopher_quality.bullet_prefixes=[\"•\", \"-\"]",
                "gopher_quality.stop_words_case_sensitive=true");
        List<DocumentFilter> filters = List.of(new GopherRepetitionFilter(config.gopherRepetition()),
                new GopherQualityFilter(config.gopherQuality()), new C4QualityFilter(config.c4Quality()));
        List<String> mismatches = new ArrayList<>();
        int documents = 0;
        int dropped = 0;
        for (JsonNode doc : lines("documents.jsonl")) {
            documents++;
            String expected = doc.get("expected").isNull() ? null : doc.get("expected").asText();
            dropped += expected == null ? 0 : 1;
            String actual = null;
            ParsedText parsed = ParsedText.of(doc.get("text").asText());
            for (DocumentFilter filter : filters) {
                FilterDecision decision = filter.apply(parsed, new Signals());
                if (!decision.kept()) {
                    actual = decision.dropReason();
                    break;
                }
                parsed = ParsedText.of(decision.text());
            }
            if (!java.util.Objects.equals(expected, actual)) {
                mismatches.add(doc.get("id").asText() + ": DataTrove " + expected + ", here " + actual
                        + " (" + doc.get("why").asText() + ")");
            }
        }
        System.out.printf("DataTrove parity: %d/%d documents agree (%d dropped by DataTrove)%n",
                documents - mismatches.size(), documents, dropped);
        assertTrue(documents >= 20);
        assertEquals(List.of(), mismatches);
    }

    @Test
    void treebankTokensMatchNltk() throws IOException {
        List<String> mismatches = new ArrayList<>();
        int cases = 0;
        for (JsonNode c : lines("tokens.jsonl")) {
            cases++;
            List<String> actual = new ArrayList<>();
            TreebankWordTokenizer.tokenizeSentence(c.get("text").asText(), actual);
            List<String> expected = strings(c.get("tokens"));
            if (!expected.equals(actual)) {
                mismatches.add(c.get("text").asText() + "\n  nltk: " + expected + "\n  here: " + actual);
            }
        }
        System.out.printf("Treebank tokens: %d/%d sentences identical to NLTK%n", cases - mismatches.size(), cases);
        assertEquals(List.of(), mismatches, String.join("\n", mismatches));
    }

    @Test
    void sentencesMatchPunkt() throws IOException {
        List<String> mismatches = new ArrayList<>();
        int cases = 0;
        for (JsonNode c : lines("sentences.jsonl")) {
            cases++;
            List<String> actual = SentenceSplitter.ENGLISH.split(c.get("text").asText());
            List<String> expected = strings(c.get("sentences"));
            if (!expected.equals(actual)) {
                mismatches.add(c.get("text").asText() + "\n  punkt: " + expected + "\n  here:  " + actual);
            }
        }
        System.out.printf("Sentences: %d/%d texts split as Punkt splits them%n", cases - mismatches.size(), cases);
        assertEquals(List.of(), mismatches, String.join("\n", mismatches));
    }

    @Test
    void punctuationSetIsDataTroves() throws IOException {
        Set<String> expected = new TreeSet<>(strings(lines("punctuation.txt").get(0)));
        Set<String> actual = new TreeSet<>();
        GopherQualityFilter.PUNCTUATION.chars().forEach(c -> actual.add(String.valueOf((char) c)));
        assertEquals(expected, actual);
    }
}
