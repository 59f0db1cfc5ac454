package io.gemmaspark.filtering;

import java.io.Serializable;
import java.util.Map;

/**
 * The result of running the whole {@link FilterPipeline} on one document.
 *
 * @param document      the document with its final text: normalised, redacted and with C4-removed lines gone
 *                      when kept; as far as processing got when dropped
 * @param dropReason    null when kept, else {@code filter:check}
 * @param qualityScore  in [0,1] for kept documents (see {@link QualityScorer}); 0 for dropped ones
 * @param stage         1..n for kept documents, 0 for dropped ones
 * @param nChars        characters of the final text
 * @param nWords        words of the final text (whitespace tokens that are not pure punctuation)
 * @param signals       quality measurements by {@code filter.measure}
 * @param redactions    PII replacements by type (EMAIL, IP_ADDRESS, PHONE_NUMBER, CREDIT_CARD, SSN)
 * @param normalization normalisation changes by kind (invalid_utf8, newlines, control_chars, unicode_nfc)
 */
public record FilterOutcome(Document document, String dropReason, double qualityScore, int stage, int nChars,
                            int nWords, Map<String, Double> signals, Map<String, Integer> redactions,
                            Map<String, Integer> normalization) implements Serializable {
    public boolean kept() {
        return dropReason == null;
    }
}
