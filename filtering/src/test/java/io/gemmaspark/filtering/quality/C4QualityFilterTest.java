package io.gemmaspark.filtering.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.gemmaspark.filtering.FilterConfig;
import io.gemmaspark.filtering.FilterDecision;
import io.gemmaspark.filtering.Signals;
import io.gemmaspark.filtering.text.ParsedText;
import io.gemmaspark.filtering.text.SentenceSplitter;
import org.junit.jupiter.api.Test;

class C4QualityFilterTest {
    private static final String ARTICLE_LINES = """
            The museum reopened in March after a two-year restoration of its Victorian galleries.
            Visitors can now see the full collection of Roman coins, many of which were found in local fields.
            A new education centre offers workshops for schools and families during the holidays.
            Admission remains free, although donations help to fund the conservation work.
            The café on the ground floor serves lunch from noon until three o'clock.
            Guided tours start at eleven every morning and last about an hour.
            """;

    private static FilterDecision apply(String text, String... overrides) {
        return new C4QualityFilter(FilterConfig.defaults(overrides).c4Quality()).apply(ParsedText.of(text), new Signals());
    }

    @Test
    void removesBoilerplateLinesAndKeepsTheArticle() {
        String page = """
                Home | About | Collections | Visit | Contact
                Menu
                This website uses cookies to improve your experience. By continuing you accept our Cookie Policy.
                """ + ARTICLE_LINES + """
                Please enable JavaScript in your browser to view the comments.
                Read our Privacy Policy and Terms of Use before you post.
                Share this article
                © 2023 City Museum Trust
                """;
        Signals signals = new Signals();
        FilterDecision d = new C4QualityFilter(FilterConfig.defaults().c4Quality()).apply(ParsedText.of(page), signals);
        assertNull(d.dropReason());
        assertEquals(ARTICLE_LINES.strip(), d.text());
        assertEquals(6.0 / 13, signals.measures().get("c4_quality.kept_line_fraction"), 1e-9);
        assertEquals(6.0, signals.measures().get("c4_quality.sentences"));
    }

    @Test
    void loremIpsumDropsTheWholeDocument() {
        String template = ARTICLE_LINES + "Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n";
        assertEquals("c4_quality:lorem_ipsum", apply(template).dropReason());
    }

    @Test
    void curlyBracesFollowTheConfiguredPolicy() {
        String tutorial = ARTICLE_LINES + "In C the entry point is written int main(void) { return 0; } in a file.\n";
        assertEquals("c4_quality:curly_bracket", apply(tutorial).dropReason());
        assertEquals(ARTICLE_LINES.strip(), apply(tutorial, "c4_quality.curly_braces=drop_line").text());
        assertEquals(tutorial.strip(), apply(tutorial, "c4_quality.curly_braces=keep").text());
    }

    @Test
    void dropsPagesWithTooFewSentencesLeft() {
        String stub = """
                Contact us
                Opening hours: Monday to Friday
                Our shop is closed on public holidays.
                Parking is available behind the building.
                Call 0123 for details
                """;
        assertEquals("c4_quality:too_few_sentences", apply(stub).dropReason());
    }

    @Test
    void countsSeveralSentencesOnOneLine() {
        String paragraph = "The bridge opened in 1779. It was the first of its kind. Dr. Abraham Darby III built it. "
                + "Tourists still visit it today! Would you cross it?";
        Signals signals = new Signals();
        FilterDecision d = new C4QualityFilter(FilterConfig.defaults().c4Quality())
                .apply(ParsedText.of(paragraph), signals);
        assertNull(d.dropReason());
        assertEquals(5.0, signals.measures().get("c4_quality.sentences"));
    }

    @Test
    void removesCitationMarksBeforeCheckingPunctuation() {
        String text = ARTICLE_LINES + "The collection was founded in 1851 by a local surgeon.[3]\n"
                + "It moved to its present site in 1902.[citation needed]\n";
        String kept = apply(text).text();
        String expectedTail = "The collection was founded in 1851 by a local surgeon.\nIt moved to its present site in 1902.";
        assertEquals(ARTICLE_LINES.strip() + "\n" + expectedTail, kept);
    }

    @Test
    void dropsLinesEndingInEllipsisOrTooShortOrWithGiantWords() {
        String text = ARTICLE_LINES + "The story continues in the next issue...\nYes.\n"
                + "See the file " + "x".repeat(1001) + " attached.\n";
        assertEquals(ARTICLE_LINES.strip(), apply(text).text());
    }

    @Test
    void sentenceCounterHandlesInitialsAbbreviationsAndQuotes() {
        assertEquals(1, SentenceSplitter.ENGLISH.count("J. R. R. Tolkien wrote the book."));
        assertEquals(2, SentenceSplitter.ENGLISH.count("He said \"Stop.\" Then he left."));
        assertEquals(1, SentenceSplitter.ENGLISH.count("Prices rose 3.5 per cent, e.g. in London."));
        assertEquals(3, SentenceSplitter.ENGLISH.count("Is it true? Yes! It is."));
        assertEquals(1, SentenceSplitter.ENGLISH.count("no terminal punctuation at all"));
    }
}
