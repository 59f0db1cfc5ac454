package io.gemmaspark.filtering.normalize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.filtering.Document;
import io.gemmaspark.filtering.FilterConfig;
import io.gemmaspark.filtering.FilterDecision;
import io.gemmaspark.filtering.FilterOutcome;
import io.gemmaspark.filtering.FilterPipeline;
import io.gemmaspark.filtering.Signals;
import io.gemmaspark.filtering.text.ParsedText;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TextNormalizerTest {
    private static TextNormalizer normalizer(String... overrides) {
        return new TextNormalizer(FilterConfig.defaults(overrides).normalize());
    }

    @Test
    void composesDecomposedAccentsToNfc() {
        String decomposed = "Cafe\u0301 de l'Ope\u0301ra";
        Signals signals = new Signals();
        FilterDecision d = normalizer().apply(ParsedText.of(decomposed), signals);
        assertEquals("Caf\u00e9 de l'Op\u00e9ra", d.text());
        assertEquals(Map.of("unicode_nfc", 1), signals.normalization());
    }

    @Test
    void stripsControlCharactersButKeepsNewlinesAndTabs() {
        String text = "Name\tValue\nalpha\u0000\t1\u0007\nbeta\u001b[0m\t2\u0085";
        Signals signals = new Signals();
        FilterDecision d = normalizer().apply(ParsedText.of(text), signals);
        assertEquals("Name\tValue\nalpha\t1\nbeta[0m\t2", d.text());
        assertEquals(4, signals.normalization().get("control_chars"));
    }

    @Test
    void unifiesWindowsAndOldMacLineEndings() {
        Signals signals = new Signals();
        FilterDecision d = normalizer().apply(ParsedText.of("one\r\ntwo\rthree\n"), signals);
        assertEquals("one\ntwo\nthree\n", d.text());
        assertEquals(2, signals.normalization().get("newlines"));
    }

    @Test
    void cleanTextIsReturnedUnchangedAndUncounted() {
        Signals signals = new Signals();
        String text = "Plain ASCII text.\nWith two lines and a tab\there.";
        assertEquals(text, normalizer().apply(ParsedText.of(text), signals).text());
        assertTrue(signals.normalization().isEmpty());
    }

    @Test
    void replacementCharactersFollowTheInvalidUtf8Policy() {
        String text = "Bad bytes \uFFFD\uFFFD here.";
        Signals kept = new Signals();
        assertEquals(text, normalizer().apply(ParsedText.of(text), kept).text());
        assertEquals(2, kept.normalization().get("invalid_utf8"));

        FilterDecision dropped = normalizer("normalize.invalid_utf8=drop").apply(ParsedText.of(text), new Signals());
        assertEquals("normalize:invalid_utf8", dropped.dropReason());

        FilterPipeline failing = FilterPipeline.fromConfig(FilterConfig.defaults("normalize.invalid_utf8=fail"));
        InvalidUtf8Exception e = assertThrows(InvalidUtf8Exception.class,
                () -> failing.normalize(new Document("d", text, null, null, "part-3.jsonl:17")));
        assertTrue(e.getMessage().startsWith("part-3.jsonl:17: "), e.getMessage());
    }

    @Test
    void normalisationIsIdempotent() {
        FilterPipeline pipeline = FilterPipeline.fromConfig(FilterConfig.defaults());
        FilterOutcome once = pipeline.normalize(Document.of("a", "x\u0301\r\n\u0001y"));
        FilterOutcome twice = pipeline.normalize(once.document());
        assertEquals(once.document().text(), twice.document().text());
        assertTrue(twice.normalization().isEmpty());
    }

    @Test
    void blankAfterNormalisationIsEmpty() {
        FilterPipeline pipeline = FilterPipeline.fromConfig(FilterConfig.defaults());
        assertEquals("input:empty", pipeline.normalize(Document.of("a", "\u0000\u0001\u0002")).dropReason());
        assertEquals("input:empty", pipeline.normalize(Document.of("a", " \n\t ")).dropReason());
        assertEquals("input:too_long",
                FilterPipeline.fromConfig(FilterConfig.defaults("input.max_chars=10"))
                        .normalize(Document.of("a", "more than ten characters")).dropReason());
    }

    @Test
    void decoderCountsEachMalformedSequence() {
        byte[] good = "naïve café".getBytes(StandardCharsets.UTF_8);
        Utf8Decoder.Decoded clean = Utf8Decoder.decode(good, InvalidUtf8Policy.FAIL, "f");
        assertEquals("naïve café", clean.text());
        assertEquals(0, clean.invalidCount());

        // a lone continuation byte, a truncated 3-byte sequence in the middle, and a truncated one at the end
        byte[] bad = {'a', (byte) 0x80, 'b', (byte) 0xE2, (byte) 0x82, 'c', (byte) 0xF0, (byte) 0x9F};
        Utf8Decoder.Decoded replaced = Utf8Decoder.decode(bad, InvalidUtf8Policy.REPLACE, "f");
        assertEquals("a\uFFFDb\uFFFDc\uFFFD", replaced.text());
        assertEquals(3, replaced.invalidCount());

        Utf8Decoder.Decoded dropped = Utf8Decoder.decode(bad, InvalidUtf8Policy.DROP, "f");
        assertTrue(dropped.dropped());
        assertNull(dropped.text());
        assertEquals(3, dropped.invalidCount());

        InvalidUtf8Exception e = assertThrows(InvalidUtf8Exception.class,
                () -> Utf8Decoder.decode(bad, 0, bad.length, InvalidUtf8Policy.FAIL, "books/a.txt"));
        assertEquals("books/a.txt: invalid UTF-8 at byte 1 (invalid_utf8 policy is fail)", e.getMessage());
    }

    @Test
    void decoderHonoursOffsetAndLength() {
        byte[] line = "xx{\"text\":\"é\"}yy".getBytes(StandardCharsets.UTF_8);
        Utf8Decoder.Decoded d = Utf8Decoder.decode(line, 2, line.length - 4, InvalidUtf8Policy.REPLACE, null);
        assertEquals("{\"text\":\"é\"}", d.text());
        assertFalse(d.dropped());
    }
}
