package io.gemmaspark.filtering.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.config.ConfigException;
import io.gemmaspark.filtering.DropReason;
import io.gemmaspark.filtering.FilterConfig;
import io.gemmaspark.filtering.Signals;
import io.gemmaspark.filtering.Texts;
import io.gemmaspark.filtering.text.ParsedText;
import java.util.List;
import org.junit.jupiter.api.Test;

class GopherRepetitionFilterTest {
    private static final GopherRepetitionFilter FILTER =
            new GopherRepetitionFilter(FilterConfig.defaults().gopherRepetition());

    private static String reason(String text) {
        return FILTER.apply(ParsedText.of(text), new Signals()).dropReason();
    }

    @Test
    void keepsOrdinaryProseAndMeasuresEveryNgramSize() {
        Signals signals = new Signals();
        assertNull(FILTER.apply(ParsedText.of(Texts.ENCYCLOPEDIA), signals).dropReason());
        for (int n = 2; n <= 4; n++) {
            assertTrue(signals.measures().get("gopher_repetition.top_" + n + "_gram_char_fraction") < 0.1);
        }
        for (int n = 5; n <= 10; n++) {
            assertEquals(0.0, signals.measures().get("gopher_repetition.dup_" + n + "_gram_char_fraction"));
        }
        assertEquals(0.0, signals.measures().get("gopher_repetition.dup_line_fraction"));
    }

    @Test
    void dropsRepeatedParagraphs() {
        String a = "Our team delivers quality roofing services across the county at fair prices.";
        String b = "Call us today for a free quote and a friendly visit from one of our experts.";
        String c = "We have been trusted by local families and businesses for over thirty years.";
        assertEquals("gopher_repetition:dup_para_fraction", reason(String.join("\n\n", a, b, a, c, a)));
    }

    @Test
    void dropsRepeatedParagraphCharactersEvenWhenFewRepeat() {
        String longRepeat = "Disclaimer: the information on this page is provided for general guidance only and "
                + "does not constitute legal, financial or medical advice of any kind whatsoever.";
        String text = String.join("\n\n", longRepeat, "Short note one.", "Short note two.", "Short note three.",
                longRepeat);
        assertEquals("gopher_repetition:dup_para_char_fraction", reason(text));
    }

    @Test
    void dropsRepeatedNavigationLines() {
        StringBuilder page = new StringBuilder();
        String[] lines = {"The harbour was rebuilt after the storm of 1953.", "Fishing boats still land their catch here.",
            "A small museum tells the story of the lifeboat crew.", "The lighthouse is open on summer weekends.",
            "Ferries leave for the islands twice a day.", "The old customs house is now a library.",
            "Seals can often be seen from the northern pier.", "The sailing club hosts a regatta in August.",
            "Cafes line the promenade along the western quay.", "The tide can rise by more than five metres."};
        for (int i = 0; i < lines.length; i++) {
            page.append(lines[i]).append("\nShare on social media\n");
        }
        assertEquals("gopher_repetition:dup_line_fraction", reason(page.toString()));
    }

    @Test
    void blankLinesBetweenParagraphsAreNotRepeatedLines() {
        assertNull(reason(Texts.ENCYCLOPEDIA.replace("\n\n", "\n\n\n\n")));
    }

    @Test
    void dropsPagesDominatedByOneBigram() {
        StringBuilder spam = new StringBuilder();
        String[] tails = {"hotels", "deals", "flights", "tours", "apartments", "restaurants", "museums", "parks",
            "nightlife", "shopping", "events", "weather"};
        for (String t : tails) {
            spam.append("New York ").append(t).append(", ");
        }
        assertEquals("gopher_repetition:top_2_gram", reason(spam.toString()));
    }

    @Test
    void dropsRepeatedLongPassagesInsideDistinctLines() {
        String repeated = "please note that orders placed after noon on friday will be dispatched the following monday";
        StringBuilder text = new StringBuilder();
        String[] intros = {"Electronics:", "Garden furniture:", "Kitchen appliances:", "Books and music:"};
        String[] bodies = {"Our range includes televisions, laptops, cameras and headphones from leading brands",
            "Choose from tables, chairs, parasols and loungers made from sustainable hardwood",
            "Kettles, toasters, blenders and coffee machines are available in several colours",
            "Thousands of titles in print, audio and digital formats are added every month"};
        for (int i = 0; i < intros.length; i++) {
            text.append(intros[i]).append(' ').append(bodies[i]).append(", and ").append(repeated).append(".\n");
        }
        String reason = reason(text.toString());
        assertTrue(reason != null && reason.startsWith("gopher_repetition:dup_") && reason.endsWith("_gram"), reason);
    }

    @Test
    void duplicateNgramWalkSkipsPastEachRepeat() {
        // words: a b c d e a b c d e x → the second "a b c d e" is one repeated 5-gram; DataTrove counts
        // len("".join(gram)) = 5 characters (no joining spaces) against len(text) = 21.
        GopherRepetitionFilter onlyDuplicateNgrams = new GopherRepetitionFilter(
                FilterConfig.defaults("gopher_repetition.top_ngram_max_char_fraction={}").gopherRepetition());
        Signals signals = new Signals();
        onlyDuplicateNgrams.apply(ParsedText.of("a b c d e a b c d e x"), signals);
        assertEquals(5.0 / 21, signals.measures().get("gopher_repetition.dup_5_gram_char_fraction"), 1e-12);
    }

    @Test
    void ngramLimitKeysMustBeIntegers() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> FilterConfig.defaults("gopher_repetition.top_ngram_max_char_fraction={two: 0.2}"));
        assertTrue(e.getMessage().contains("gopher_repetition") && e.getMessage().contains("'two'"), e.getMessage());
    }

    @Test
    void checksListEveryConfiguredNgramSize() {
        assertEquals(List.of("dup_para_fraction", "dup_para_char_fraction", "dup_line_fraction",
                "dup_line_char_fraction", "top_2_gram", "top_3_gram", "top_4_gram", "dup_5_gram", "dup_6_gram",
                "dup_7_gram", "dup_8_gram", "dup_9_gram", "dup_10_gram"),
                FILTER.dropReasons().stream().map(DropReason::check).toList());
    }
}
