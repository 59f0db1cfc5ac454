package io.gemmaspark.filtering;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class FilterPipelineTest {
    private static final FilterPipeline PIPELINE = FilterPipeline.fromConfig(FilterConfig.defaults());

    private static final String COOKIE_WALL = """
            We value your privacy
            This site uses cookies to personalise content and ads. By clicking Accept you agree to our use of cookies.
            Accept all
            Manage preferences
            Read our Privacy Policy and Terms of Use.
            """;

    private static final String SEO_SPAM = """
            Best cheap hotels in Paris, best cheap hotels in Paris near the Eiffel Tower, best cheap hotels in \
            Paris with breakfast. Book best cheap hotels in Paris now. Best cheap hotels in Paris for families, \
            best cheap hotels in Paris for couples, best cheap hotels in Paris for business. Compare best cheap \
            hotels in Paris and save. Best cheap hotels in Paris deals, best cheap hotels in Paris reviews.
            """;

    @Test
    void keepsEncyclopedicArticleWithScoreAndStage() {
        FilterOutcome outcome = PIPELINE.process(new Document("severn", Texts.ENCYCLOPEDIA, "wiki", null, "a.jsonl:1"));
        assertNull(outcome.dropReason(), () -> "dropped: " + outcome.dropReason() + " " + outcome.signals());
        assertTrue(outcome.qualityScore() > 0.75, () -> "score " + outcome.qualityScore() + " " + outcome.signals());
        assertEquals(3, outcome.stage());
        assertTrue(outcome.nWords() > 150);
        assertEquals(outcome.document().text().length(), outcome.nChars());
        assertEquals("wiki", outcome.document().source());
    }

    @Test
    void dropsBoilerplateSpamAndCode() {
        assertEquals("gopher_quality:word_count", PIPELINE.process(Document.of("c", COOKIE_WALL)).dropReason());
        assertEquals("gopher_repetition:top_2_gram", PIPELINE.process(Document.of("s", SEO_SPAM)).dropReason());
        String code = Texts.ENCYCLOPEDIA + "\nThe gauge station reports {\"level_m\": 4.2, \"flow\": \"high\"} as JSON every hour.\n";
        assertEquals("c4_quality:curly_bracket", PIPELINE.process(Document.of("j", code)).dropReason());
    }

    @Test
    void cookieBannerAroundAnArticleIsCutAwayAndLowersTheScore() {
        FilterOutcome clean = PIPELINE.process(Document.of("a", Texts.ENCYCLOPEDIA));
        FilterOutcome wrapped = PIPELINE.process(Document.of("b", COOKIE_WALL + Texts.ENCYCLOPEDIA));
        assertTrue(wrapped.kept(), wrapped.dropReason());
        assertFalse(wrapped.document().text().contains("cookies"));
        assertEquals(clean.document().text(), wrapped.document().text());
        assertTrue(wrapped.qualityScore() < clean.qualityScore());
    }

    @Test
    void redactsPiiInKeptDocumentsAndCountsIt() {
        String text = Texts.ENCYCLOPEDIA + "\nFor guided walks along the river, email walks@severn-trust.org.uk "
                + "or phone (415) 555-0132 between nine and five.\n";
        FilterOutcome outcome = PIPELINE.process(Document.of("p", text));
        assertTrue(outcome.kept(), outcome.dropReason());
        assertTrue(outcome.document().text().endsWith("email <EMAIL> or phone <PHONE_NUMBER> between nine and five."));
        assertEquals(Map.of("EMAIL", 1, "PHONE_NUMBER", 1), outcome.redactions());
    }

    @Test
    void normalizeThenFilterEqualsProcess() {
        String text = "Caf\u0065\u0301 culture\r\n" + Texts.ENCYCLOPEDIA.replace("\n", "\r\n") + "\u0000";
        Document doc = Document.of("n", text);
        FilterOutcome normalized = PIPELINE.normalize(doc);
        assertEquals(0, normalized.stage());
        FilterOutcome filtered = PIPELINE.filter(normalized.document());
        FilterOutcome whole = PIPELINE.process(doc);
        assertEquals(whole.document(), filtered.document());
        assertEquals(whole.qualityScore(), filtered.qualityScore());
        assertEquals(normalized.normalization(), whole.normalization());
        assertEquals(Map.of("unicode_nfc", 1, "newlines", 8, "control_chars", 1), whole.normalization());
    }

    @Test
    void reasonsListEveryCheckOfEveryEnabledFilter() {
        List<String> reasons = PIPELINE.reasons();
        assertEquals("input:empty", reasons.get(0));
        assertTrue(reasons.containsAll(List.of("normalize:invalid_utf8", "gopher_repetition:dup_10_gram",
                "gopher_quality:stop_words", "c4_quality:too_few_sentences", "blocklist:matches",
                FilterPipeline.EMPTY_AFTER_FILTERING)));
        assertEquals(reasons.size(), reasons.stream().distinct().count());
    }

    @Test
    void isDeterministicAndSafeAcrossThreads() {
        List<Document> docs = IntStream.range(0, 400).mapToObj(i -> Document.of("d" + i, switch (i % 4) {
            case 0 -> Texts.ENCYCLOPEDIA;
            case 1 -> SEO_SPAM;
            case 2 -> COOKIE_WALL + Texts.ENCYCLOPEDIA + " Contact jo" + i + "@example.com.";
            default -> Texts.ENCYCLOPEDIA.replace("river", "river " + i);
        })).toList();
        List<FilterOutcome> sequential = docs.stream().map(PIPELINE::process).toList();
        List<FilterOutcome> parallel = docs.parallelStream().map(PIPELINE::process).toList();
        assertEquals(sequential, parallel);
    }

    @Test
    void pipelineSurvivesJavaSerialization() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(PIPELINE);
        }
        FilterPipeline copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (FilterPipeline) in.readObject();
        }
        Document profane = Document.of("x", "Shit, this fucking shitty river. " + Texts.ENCYCLOPEDIA);
        assertEquals(PIPELINE.process(profane), copy.process(profane));
        assertEquals("blocklist:matches", copy.process(profane).dropReason());
    }
}
