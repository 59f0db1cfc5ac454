package io.gemmaspark.filtering.language;

import com.optimaize.langdetect.DetectedLanguage;
import com.optimaize.langdetect.LanguageDetector;
import com.optimaize.langdetect.LanguageDetectorBuilder;
import com.optimaize.langdetect.ngram.NgramExtractors;
import com.optimaize.langdetect.profiles.LanguageProfileReader;
import com.optimaize.langdetect.text.CommonTextObjectFactories;
import com.optimaize.langdetect.text.TextObjectFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The most probable language of a text, with its probability, from Optimaize's language-detector (n-gram
 * profiles of 71 languages built from Wikipedia; a maintained descendant of Shuyo's language-detection). The
 * profiles are loaded once per JVM (about a second) and the detector is thread-safe.
 *
 * <p>Codes are ISO 639-1 ("en", "de"), except Chinese, reported as "zh" for both of Optimaize's profiles
 * (zh-CN, zh-TW), and Asturian/Aragonese/Occitan/Breton/Haitian with their own codes ("ast", "an", "oc", "br",
 * "ht"). Text is read up to {@link #MAX_CHARS} characters: more does not change the answer on real documents.
 */
public final class LanguageIdentifier {
    /** Language of text that no profile matches (no letters, or too short). */
    public static final String UNKNOWN = "unknown";
    public static final int MAX_CHARS = 2_000;

    /** A language code and its probability in [0, 1]. */
    public record Detection(String language, double score) {
    }

    private static volatile LanguageIdentifier instance;

    private final LanguageDetector detector;
    private final TextObjectFactory largeText = CommonTextObjectFactories.forDetectingOnLargeText();

    private LanguageIdentifier() {
        try {
            detector = LanguageDetectorBuilder.create(NgramExtractors.standard())
                    .withProfiles(new LanguageProfileReader().readAllBuiltIn())
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load the language profiles of language-detector", e);
        }
    }

    /** The shared identifier, loading the profiles on first use. */
    public static LanguageIdentifier get() {
        LanguageIdentifier local = instance;
        if (local == null) {
            synchronized (LanguageIdentifier.class) {
                local = instance;
                if (local == null) {
                    instance = local = new LanguageIdentifier();
                }
            }
        }
        return local;
    }

    /** Every language the profiles cover, as {@link #detect} reports them. */
    public static List<String> supportedLanguages() {
        return List.of("af", "an", "ar", "ast", "be", "bg", "bn", "br", "ca", "cs", "cy", "da", "de", "el", "en",
                "es", "et", "eu", "fa", "fi", "fr", "ga", "gl", "gu", "he", "hi", "hr", "ht", "hu", "id", "is", "it",
                "ja", "km", "kn", "ko", "lt", "lv", "mk", "ml", "mr", "ms", "mt", "ne", "nl", "no", "oc", "pa", "pl",
                "pt", "ro", "ru", "sk", "sl", "so", "sq", "sr", "sv", "sw", "ta", "te", "th", "tl", "tr", "uk", "ur",
                "vi", "yi", "zh");
    }

    public Detection detect(String text) {
        CharSequence sample = text.length() > MAX_CHARS ? text.subSequence(0, MAX_CHARS) : text;
        List<DetectedLanguage> probabilities = detector.getProbabilities(largeText.forText(sample));
        if (probabilities.isEmpty()) {
            return new Detection(UNKNOWN, 0.0);
        }
        DetectedLanguage best = probabilities.get(0);
        return new Detection(best.getLocale().getLanguage(), best.getProbability());
    }
}
