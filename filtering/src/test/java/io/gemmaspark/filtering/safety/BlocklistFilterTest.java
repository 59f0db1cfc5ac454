package io.gemmaspark.filtering.safety;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.config.ConfigException;
import io.gemmaspark.filtering.FilterConfig;
import io.gemmaspark.filtering.Signals;
import io.gemmaspark.filtering.Texts;
import io.gemmaspark.filtering.text.ParsedText;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlocklistFilterTest {
    private static final BlocklistFilter FILTER = new BlocklistFilter(FilterConfig.defaults().blocklist());

    private static int matches(String text) {
        return FILTER.countMatches(ParsedText.of(text));
    }

    @Test
    void shippedListIsLoadedFromConf() {
        assertTrue(FILTER.entries() >= 50, "entries " + FILTER.entries());
    }

    @Test
    void dropsProfaneRantsAboveTheThreshold() {
        String rant = "This fucking game is shit. The devs are a bunch of lazy wankers and the servers are shit too.";
        Signals signals = new Signals();
        assertEquals("blocklist:matches", FILTER.apply(ParsedText.of(rant), signals).dropReason());
        assertEquals(4.0, signals.measures().get("blocklist.matches"));
    }

    @Test
    void keepsDocumentsAtOrBelowTheThreshold() {
        String quote = "\"Damn it,\" he said, and called the referee a wanker. Then the match went on. What bullshit.";
        assertEquals(2, matches(quote));
        assertNull(FILTER.apply(ParsedText.of(quote), new Signals()).dropReason());
        assertEquals(0, matches(Texts.ENCYCLOPEDIA));
    }

    @Test
    void matchesWholeWordsOnlyIgnoringCase() {
        assertEquals(0, matches("Scunthorpe United played at Glanford Park; Dickens wrote about cocktails "
                + "and the class assignment on Essex shitake mushrooms was about pussywillow branches."));
        assertEquals(3, matches("FUCK. Shit! \"slut\""));
    }

    @Test
    void leavesInnocentSensesOfAmbiguousWordsAlone() {
        assertEquals(0, matches("Call me Ishmael. Moby Dick was the white whale; Dick Whittington was mayor of London."));
        assertEquals(0, matches("Blue tits and a cock pheasant fed under the hedge while the bitch nursed her pups."));
        assertEquals(0, matches("She graduated magna cum laude; chapter XXX describes the anatomy of the penis."));
    }

    @Test
    void matchesPhrasesAcrossWhitespaceAndLineBreaks() {
        assertEquals(1, matches("an advert for a sex  cam site"));
        assertEquals(1, matches("offering a blow\njob"));
        assertEquals(0, matches("the job was a blow to morale"));
    }

    @Test
    void zeroThresholdDropsOnFirstMatch() {
        BlocklistFilter strict = new BlocklistFilter(FilterConfig.defaults("blocklist.max_matches=0").blocklist());
        assertEquals("blocklist:matches", strict.apply(ParsedText.of("What a load of bullshit."), new Signals()).dropReason());
    }

    @Test
    void readsExtraListsFromPathsWithComments(@TempDir Path dir) throws Exception {
        Path list = dir.resolve("extra.txt");
        Files.writeString(list, "# project-specific terms\n\nzorgblat\nflimflam scheme\n");
        BlocklistFilter custom = new BlocklistFilter(
                FilterConfig.defaults("blocklist.files=[" + list + "]", "blocklist.max_matches=1").blocklist());
        assertEquals(2, custom.entries());
        assertEquals("blocklist:matches",
                custom.apply(ParsedText.of("A zorgblat sold a flimflam scheme."), new Signals()).dropReason());
    }

    @Test
    void missingListIsAClearError() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> new BlocklistFilter(FilterConfig.defaults("blocklist.files=[filters/no-such-list.txt]").blocklist()));
        assertTrue(e.getMessage().startsWith("filters/no-such-list.txt: no such configuration file"), e.getMessage());
    }
}
