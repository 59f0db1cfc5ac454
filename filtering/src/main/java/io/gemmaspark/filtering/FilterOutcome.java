package io.gemmaspark.filtering;

import java.io.Serializable;
import java.util.Map;

/**
 * The result of running the whole {@link FilterPipeline} on one document.
 *
 * @param document      the document with its final text: normalised, redacted and with C4-removed lines gone
 *                      when kept; as far as processing got when dropped
 * @param reason        null when kept, else why the document was dropped
 * @param redacted      whether the text went through the redaction point of the pipeline, so that it holds no
 *                      PII the configuration asks to remove (true also when redaction is disabled); false for
 *                      documents dropped by input limits or normalisation, whose raw text must not be written out
 * @param qualityScore  in [0,1] for kept documents (see {@link QualityScorer}); 0 for dropped ones
 * @param stage         1..n for kept documents, 0 for dropped ones
 * @param nChars        characters of the final text
 * @param nWords        words of the final text (whitespace tokens that are not pure punctuation)
 * @param signals       quality measurements by {@code filter.measure}
 * @param redactions    PII replacements by type (EMAIL, IP_ADDRESS, PHONE_NUMBER, CREDIT_CARD, SSN)
 * @param normalization normalisation changes by kind (invalid_utf8, newlines, control_chars, unicode_nfc)
 * @param language      the detected language (ISO 639-1), for kept and dropped documents alike; null when
 *                      language identification is off or the document was dropped before it
 * @param languageScore the detector's probability for {@code language}; 0 when there is none
 */
public record FilterOutcome(Document document, DropReason reason, boolean redacted, double qualityScore, int stage,
                            int nChars, int nWords, Map<String, Double> signals, Map<String, Integer> redactions,
                            Map<String, Integer> normalization, String language, double languageScore)
        implements Serializable {
    public boolean kept() {
        return reason == null;
    }

    /** The reason's name ({@code filter:check}), or null when kept. */
    public String dropReason() {
        return reason == null ? null : reason.name();
    }
}
