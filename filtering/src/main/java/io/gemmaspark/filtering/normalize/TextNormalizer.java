package io.gemmaspark.filtering.normalize;

import java.io.Serializable;
import io.gemmaspark.filtering.DeclaredChecksFilter;
import io.gemmaspark.filtering.DropReason;
import io.gemmaspark.filtering.FilterDecision;
import io.gemmaspark.filtering.Signals;
import io.gemmaspark.filtering.text.ParsedText;
import java.text.Normalizer;
import java.util.List;

/**
 * Brings text to one canonical form before anything measures or hashes it, so that the same content always
 * gives the same exact-dedup hash: line endings become \n, control characters other than \n and \t are removed,
 * and the text is put in the configured Unicode normal form (NFC by default: canonical composition, which
 * changes no meaning, unlike NFKC). Every change is counted by kind.
 */
public final class TextNormalizer extends DeclaredChecksFilter {
    public static final String NAME = "normalize";

    /** Why normalisation drops a document. */
    public enum Check {
        INVALID_UTF8;

        public final DropReason reason = DropReason.of(NAME, this);
    }

    /**
     * @param unicodeForm       nfc (default), nfkc, or none
     * @param invalidUtf8       policy for malformed UTF-8 (applied by {@link Utf8Decoder} to raw bytes, and here to
     *                          U+FFFD already present in decoded text)
     */
    public record Config(boolean enabled, UnicodeForm unicodeForm, boolean normalizeNewlines,
                         boolean stripControlChars, InvalidUtf8Policy invalidUtf8) implements Serializable {
    }

    public enum UnicodeForm {
        NFC, NFKC, NONE
    }

    private final Config config;

    public TextNormalizer(Config config) {
        super(NAME, Check.values());
        this.config = config;
    }

    @Override
    public FilterDecision apply(ParsedText parsed, Signals signals) {
        String text = parsed.text();
        int replacementChars = count(text, '\uFFFD');
        if (replacementChars > 0) {
            signals.normalized("invalid_utf8", replacementChars);
            if (config.invalidUtf8() == InvalidUtf8Policy.DROP) {
                return FilterDecision.drop(Check.INVALID_UTF8.reason);
            }
            if (config.invalidUtf8() == InvalidUtf8Policy.FAIL) {
                throw new InvalidUtf8Exception("text contains " + replacementChars
                        + " U+FFFD replacement characters from invalid UTF-8 (invalid_utf8 policy is fail)");
            }
        }
        if (needsCleaning(text)) {
            text = clean(text, signals);
        }
        if (config.unicodeForm() != UnicodeForm.NONE) {
            Normalizer.Form form = config.unicodeForm() == UnicodeForm.NFC ? Normalizer.Form.NFC : Normalizer.Form.NFKC;
            if (!Normalizer.isNormalized(text, form)) {
                text = Normalizer.normalize(text, form);
                signals.normalized("unicode_" + config.unicodeForm().name().toLowerCase(java.util.Locale.ROOT), 1);
            }
        }
        return FilterDecision.keep(text);
    }

    private boolean needsCleaning(String text) {
        for (int i = 0, n = text.length(); i < n; i++) {
            char c = text.charAt(i);
            if (c == '\r' ? config.normalizeNewlines() : config.stripControlChars() && isStrippedControl(c)) {
                return true;
            }
        }
        return false;
    }

    private String clean(String text, Signals signals) {
        StringBuilder out = new StringBuilder(text.length());
        int newlines = 0;
        int controls = 0;
        for (int i = 0, n = text.length(); i < n; i++) {
            char c = text.charAt(i);
            if (c == '\r' && config.normalizeNewlines()) {
                newlines++;
                out.append('\n');
                if (i + 1 < n && text.charAt(i + 1) == '\n') {
                    i++;
                }
            } else if (config.stripControlChars() && isStrippedControl(c)) {
                controls++;
            } else {
                out.append(c);
            }
        }
        signals.normalized("newlines", newlines);
        signals.normalized("control_chars", controls);
        return out.toString();
    }

    /** C0 and C1 controls and DEL, except \n and \t which carry layout. \r is handled as a newline. */
    private boolean isStrippedControl(char c) {
        return Character.getType(c) == Character.CONTROL && c != '\n' && c != '\t'
                && !(c == '\r' && config.normalizeNewlines());
    }

    private static int count(String text, char c) {
        int n = 0;
        for (int i = text.indexOf(c); i >= 0; i = text.indexOf(c, i + 1)) {
            n++;
        }
        return n;
    }
}
