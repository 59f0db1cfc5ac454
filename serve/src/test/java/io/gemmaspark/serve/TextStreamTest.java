package io.gemmaspark.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.model.TextCodec;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class TextStreamTest {
    /** Token i decodes to PIECES[i]; "\uFFFD" stands for a byte-fallback piece still missing its other bytes. */
    private static final String[] PIECES = {"Hel", "lo", " wor", "ld", "\uFFFD", "é", "!"};

    private static final TextCodec CODEC = new TextCodec() {
        @Override
        public int[] encode(String text) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String decode(int[] ids) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < ids.length; i++) {
                // a partial character followed by its completion decodes to the whole character
                if (ids[i] == 4 && i + 1 < ids.length && ids[i + 1] == 5) {
                    continue;
                }
                text.append(PIECES[ids[i]]);
            }
            return text.toString();
        }

        @Override
        public OptionalInt pieceId(String piece) {
            return OptionalInt.empty();
        }
    };

    @Test
    void piecesConcatenateToTheTextAndHoldBackPartialCharacters() {
        TextStream stream = new TextStream(CODEC, List.of());
        StringBuilder out = new StringBuilder();
        out.append(stream.add(0)).append(stream.add(1));
        assertEquals("", stream.add(4), "a partial character waits");
        out.append(stream.add(5)).append(stream.add(6)).append(stream.finish());
        assertEquals("Helloé!", out.toString());
        assertFalse(stream.stopped());
    }

    @Test
    void aStopStringSpanningTokensEndsTheTextBeforeIt() {
        TextStream stream = new TextStream(CODEC, List.of("o wo"));
        StringBuilder out = new StringBuilder();
        out.append(stream.add(0));
        out.append(stream.add(1));                 // "Hello": "o" may start the stop string, so it waits
        assertEquals("Hell", out.toString());
        out.append(stream.add(2));                 // "Hello wor" contains "o wo"
        assertTrue(stream.stopped());
        assertEquals("Hell", out.toString() + stream.finish());
        assertEquals("", stream.add(3), "nothing after a stop");
        assertEquals(3, stream.tokenCount());
    }
}
