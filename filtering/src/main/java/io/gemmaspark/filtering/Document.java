package io.gemmaspark.filtering;

import java.io.Serializable;
import java.util.Objects;

/**
 * One raw or cleaned document as the filters see it.
 *
 * @param id       stable identifier (from the input, or derived from file and line by the reader)
 * @param text     the document body; never null
 * @param source   corpus name, used for per-source counts; may be null
 * @param url      original URL when the input has one; may be null
 * @param location where the record came from, "file:line" for JSONL or "file" for whole-file text, so that
 *                 bad input can be reported precisely; may be null
 */
public record Document(String id, String text, String source, String url, String location) implements Serializable {
    public Document {
        Objects.requireNonNull(text, "text");
    }

    public static Document of(String id, String text) {
        return new Document(id, text, null, null, null);
    }

    public Document withText(String newText) {
        return newText.equals(text) ? this : new Document(id, newText, source, url, location);
    }
}
