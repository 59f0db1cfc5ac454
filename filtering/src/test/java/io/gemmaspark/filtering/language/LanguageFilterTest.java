package io.gemmaspark.filtering.language;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.config.ConfigException;
import io.gemmaspark.filtering.Document;
import io.gemmaspark.filtering.FilterConfig;
import io.gemmaspark.filtering.FilterOutcome;
import io.gemmaspark.filtering.FilterPipeline;
import org.junit.jupiter.api.Test;

class LanguageFilterTest {
    private static final String ENGLISH = """
            The old stone bridge crosses the river at the narrowest point of the valley.
            It was built in 1779 by workers from the nearby town, and it carried carts loaded with coal and iron for more than a century.
            Today the bridge is closed to traffic, but walkers cross it every day to reach the museum on the far bank.
            The museum tells the story of the people who lived and worked in the valley.
            Visitors can see the tools that the workers used and the houses that they built with their own hands.
            A small cafe near the entrance serves tea and cake to tired walkers in the afternoon.
            """;
    private static final String GERMAN = """
            Die alte Steinbrücke überquert den Fluss an der engsten Stelle des Tals.
            Sie wurde im Jahr 1779 von Arbeitern aus der nahen Stadt gebaut und trug mehr als ein Jahrhundert lang Karren mit Kohle und Eisen.
            Heute ist die Brücke für den Verkehr gesperrt, aber Wanderer überqueren sie jeden Tag, um das Museum am anderen Ufer zu erreichen.
            Das Museum erzählt die Geschichte der Menschen, die im Tal lebten und arbeiteten.
            Besucher können die Werkzeuge sehen, die die Arbeiter benutzten, und die Häuser, die sie mit ihren eigenen Händen bauten.
            Ein kleines Café am Eingang serviert am Nachmittag Tee und Kuchen.
            """;

    private static FilterOutcome run(String text, String... overrides) {
        return FilterPipeline.fromConfig(FilterConfig.defaults(overrides)).process(new Document("d", text, "s", null,
                "f:1"));
    }

    @Test
    void keepsEnglishAndLabelsIt() {
        FilterOutcome out = run(ENGLISH);
        assertNull(out.dropReason());
        assertEquals("en", out.language());
        assertTrue(out.languageScore() > 0.9, "score " + out.languageScore());
    }

    @Test
    void dropsOtherLanguagesNamingTheLanguage() {
        FilterOutcome out = run(GERMAN);
        assertEquals("language:de", out.dropReason());
        assertEquals("de", out.language());
        assertTrue(out.languageScore() > 0.9);
    }

    @Test
    void germanIsKeptWhenListedAndTheEnglishStopWordRuleDoesNotApplyToIt() {
        // Before language identification every German document failed gopher_quality:stop_words.
        FilterOutcome out = run(GERMAN, "language.languages=[en, de]");
        assertNull(out.dropReason(), "dropped as " + out.dropReason());
        assertEquals("de", out.language());
        assertNull(out.signals().get("gopher_quality.stop_word_count"));
        // the shipped classifiers are English models (languages: [en]): a German document is neither scored nor dropped
        assertNull(out.signals().get("classifier.reference_quality"));
        assertNotNull(run(ENGLISH).signals().get("classifier.reference_quality"));
        // and with language identification off, the English rule applies to everything, as before
        assertEquals("gopher_quality:stop_words", run(GERMAN, "language.enabled=false").dropReason());
    }

    @Test
    void textWithoutALanguageIsUnknown() {
        FilterOutcome out = run("1234 5678 9012 3456 7890 ".repeat(20));
        assertEquals("language:unknown", out.dropReason());
    }

    @Test
    void anEmptyLanguageListLabelsButKeepsEverything() {
        FilterOutcome out = run(GERMAN, "language.languages=[]", "gopher_quality.stop_words_language=de",
                "gopher_quality.min_stop_words=0");
        assertNull(out.dropReason());
        assertEquals("de", out.language());
    }

    @Test
    void unknownLanguageCodesAreConfigurationErrors() {
        ConfigException e = assertThrows(ConfigException.class, () -> FilterConfig.defaults("language.languages=[english]"));
        assertTrue(e.getMessage().contains("'english'"), e.getMessage());
    }
}
