package io.gemmaspark.filtering.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.filtering.FilterConfig;
import io.gemmaspark.filtering.Signals;
import io.gemmaspark.filtering.Texts;
import io.gemmaspark.filtering.text.ParsedText;
import org.junit.jupiter.api.Test;

class GopherQualityFilterTest {
    private static String reason(String text, String... overrides) {
        GopherQualityFilter filter = new GopherQualityFilter(FilterConfig.defaults(overrides).gopherQuality());
        return filter.apply(ParsedText.of(text), new Signals()).dropReason();
    }

    @Test
    void keepsEncyclopedicProseAndMeasuresIt() {
        GopherQualityFilter filter = new GopherQualityFilter(FilterConfig.defaults().gopherQuality());
        Signals signals = new Signals();
        assertNull(filter.apply(ParsedText.of(Texts.ENCYCLOPEDIA), signals).dropReason());
        double words = signals.measures().get("gopher_quality.word_count");
        assertTrue(words > 150 && words < 260, "words " + words);
        double meanLength = signals.measures().get("gopher_quality.mean_word_length");
        assertTrue(meanLength > 4 && meanLength < 6, "mean word length " + meanLength);
        assertTrue(signals.measures().get("gopher_quality.stop_word_count") >= 20);
        // DataTrove divides by all tokens, and prose has a comma or period every few words
        double alpha = signals.measures().get("gopher_quality.alpha_word_fraction");
        assertTrue(alpha > 0.85 && alpha < 0.95, "alpha word fraction " + alpha);
    }

    @Test
    void dropsShortPosts() {
        assertEquals("gopher_quality:word_count",
                reason("Great product, fast shipping, would buy again from this seller. Five stars!"));
    }

    @Test
    void dropsDocumentsAboveTheWordLimit() {
        assertEquals("gopher_quality:word_count", reason(Texts.ENCYCLOPEDIA, "gopher_quality.max_doc_words=100"));
    }

    @Test
    void dropsBase64AndUrlDumpsByMeanWordLength() {
        String dump = "Attachment data follows and the encoded payload is listed with the checksum.\n"
                + "aGVsbG8gd29ybGQgdGhpcyBpcyBhIGxvbmcgYmFzZTY0IHN0cmluZw== ".repeat(3)
                + "https://cdn.example.com/assets/images/2021/catalogue/product-thumbnail-large-0001.jpg ".repeat(2)
                + String.join(" ", java.util.Collections.nCopies(50, "dGhpcyBpcyBhbm90aGVyIGJhc2U2NCBibG9jaw"));
        assertEquals("gopher_quality:mean_word_length", reason(dump));
    }

    @Test
    void dropsHashtagSpam() {
        String post = """
                Sunset at the beach with the best friends ever and a cold drink in hand. \
                #travel #beach #sunset #summer #vacation #love #instagood #photooftheday #nature #happy \
                #beautiful #picoftheday #friends #fun #sea #sky #ocean #holiday #wanderlust #travelgram \
                Tag a friend who needs to see this view and follow for more of the same every day. \
                #explore #adventure #goodvibes #weekend #blessed #life #sun #sand #waves #paradise
                """;
        assertEquals("gopher_quality:hash_ratio", reason(post));
    }

    @Test
    void dropsEllipsisHeavyTeasers() {
        String teasers = "You will not believe what happened next... The answer is shocking... Click to find out... "
                .repeat(8);
        assertEquals("gopher_quality:ellipsis_ratio", reason(teasers));
    }

    @Test
    void dropsPagesThatAreAlmostAllBullets() {
        StringBuilder list = new StringBuilder();
        String[] items = {"Free shipping on all orders over fifty dollars", "Thirty day returns and the exchange policy",
            "Secure checkout with the card of your choice", "Gift wrapping available for the holidays",
            "Customer support open seven days a week", "Price match guarantee on selected items",
            "Members get early access to the sales", "Recycled packaging for every parcel",
            "Order tracking by text message and email", "Click and collect from the nearest store"};
        for (String item : items) {
            list.append("• ").append(item).append('\n');
        }
        assertEquals("gopher_quality:bullet_lines", reason(list.toString()));
    }

    @Test
    void dropsListsOfTruncatedSnippets() {
        StringBuilder page = new StringBuilder();
        String[] snippets = {"The mayor announced a new plan for the old harbour district on Monday and said that",
            "Local schools will receive additional funding for the coming year after the council voted to",
            "Residents have complained about the noise from the construction site near the station for",
            "The weather service expects heavy rain and strong winds along the coast later in the week and",
            "A new exhibition of paintings from the collection opens at the city museum this weekend with"};
        for (String s : snippets) {
            page.append(s).append("...\n");
        }
        page.append("Read all the news from the region on our website every day of the week.\n");
        assertEquals("gopher_quality:ellipsis_lines", reason(page.toString()));
    }

    @Test
    void dropsNumericTables() {
        StringBuilder table = new StringBuilder("Quarterly results of the fund:\n");
        for (int year = 2001; year <= 2016; year++) {
            table.append(year).append(" 1,204.55 1,310.20 987.40 1,455.75\n");
        }
        assertEquals("gopher_quality:alpha_words", reason(table.toString()));
    }

    @Test
    void dropsKeywordStuffingWithoutStopWords() {
        String seo = """
                Cheap flights deals discount airline tickets booking online compare prices today. Best hotel \
                offers luxury resorts budget hostels apartments rentals worldwide. Last minute holidays package \
                tours cruises city breaks weekend getaways family vacations. Car hire airport transfers travel \
                insurance currency exchange guides maps tips. Book now save money great value guaranteed lowest \
                price promise secure payment instant confirmation mobile tickets.
                """;
        assertEquals("gopher_quality:stop_words", reason(seo));
    }

    @Test
    void stopWordsAreMatchedCaseInsensitively() {
        // Only "The" and "With" (capitalised) are stop words here; 2 are required.
        String text = "The " + "lighthouse keeper recorded storms near rocky northern coasts. ".repeat(9)
                + "With patience.";
        assertNull(reason(text));
    }

    @Test
    void punctuationTokensCountInTheAlphaWordFraction() {
        // word_tokenize: Home | About | Contact -> 5 tokens, 3 with a letter: 3/5 = 0.6 < 0.8 (DataTrove drops it)
        Signals signals = new Signals();
        GopherQualityFilter filter = new GopherQualityFilter(FilterConfig.defaults("gopher_quality.min_doc_words=0",
                "gopher_quality.min_stop_words=0").gopherQuality());
        assertEquals("gopher_quality:alpha_words", filter.apply(ParsedText.of("Home | About | Contact"), signals)
                .dropReason());
        assertEquals(0.6, signals.measures().get("gopher_quality.alpha_word_fraction"), 1e-12);
        // the word count and mean length leave the symbols out: (4 + 5 + 7) / 3
        assertEquals(3.0, signals.measures().get("gopher_quality.word_count"));
        assertEquals(16.0 / 3, signals.measures().get("gopher_quality.mean_word_length"), 1e-12);
    }

    @Test
    void stopWordsOfAnyLengthMatchAsWholeTokens() {
        // "there" and "which" (5 letters) are configured; "the" inside "theory" does not count
        GopherQualityFilter filter = new GopherQualityFilter(FilterConfig.defaults("gopher_quality.min_doc_words=0",
                "gopher_quality.stop_words=[there, which]", "gopher_quality.min_stop_words=2").gopherQuality());
        Signals signals = new Signals();
        assertNull(filter.apply(ParsedText.of("There is a theory which explains it."), signals).dropReason());
        assertEquals(2.0, signals.measures().get("gopher_quality.stop_word_count"));
        GopherQualityFilter exact = new GopherQualityFilter(FilterConfig.defaults("gopher_quality.min_doc_words=0",
                "gopher_quality.stop_words=[there, which]", "gopher_quality.stop_words_case_sensitive=true")
                .gopherQuality());
        assertEquals("gopher_quality:stop_words",
                exact.apply(ParsedText.of("There is a theory which explains it."), new Signals()).dropReason());
    }
}
