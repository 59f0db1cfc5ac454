package io.gemmaspark.filtering.normalize;

/** What to do with bytes that are not valid UTF-8 (and with U+FFFD left by a decoder upstream). */
public enum InvalidUtf8Policy {
    /** Replace each malformed sequence with U+FFFD and keep the document; the replacements are counted. */
    REPLACE,
    /** Drop the document under reason {@code normalize:invalid_utf8}. */
    DROP,
    /** Stop with an error naming the location; for corpora that must be clean. */
    FAIL
}
