package io.gemmaspark.evaluation.metrics;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * lm-eval's weighted perplexities over a corpus (its wikitext task): the summed log-likelihood divided by the
 * summed word or byte count, never an average of per-document figures.
 */
public final class CorpusPerplexity {
    private static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);

    private double loglikelihood;
    private long words;
    private long bytes;

    public void add(double documentLoglikelihood, long documentWords, long documentBytes) {
        loglikelihood += documentLoglikelihood;
        words += documentWords;
        bytes += documentBytes;
    }

    /** {@code len(re.split(r"\s+", text))}: Python keeps the empty strings at either end, so this does too. */
    public static long words(String text) {
        return WHITESPACE.split(text, -1).length;
    }

    public static long bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }

    public double wordPerplexity() {
        return Math.exp(-loglikelihood / words);
    }

    public double bytePerplexity() {
        return Math.exp(-loglikelihood / bytes);
    }

    public double bitsPerByte() {
        return -loglikelihood / bytes / Math.log(2);
    }
}
