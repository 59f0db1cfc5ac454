package io.gemmaspark.filtering.classifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.config.ConfigException;
import io.gemmaspark.filtering.Document;
import io.gemmaspark.filtering.FilterConfig;
import io.gemmaspark.filtering.FilterOutcome;
import io.gemmaspark.filtering.FilterPipeline;
import io.gemmaspark.filtering.Signals;
import io.gemmaspark.filtering.Texts;
import io.gemmaspark.filtering.text.ParsedText;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A classifier with one word feature and one character feature, whose score is computed here by hand from the
 * definition (counts, L2 norm, logistic), written to disk as classifier-train writes it and read back.
 */
class ClassifierFilterTest {
    private static final int FEATURES = 1 << 12;
    private static final TextFeatures SPEC = new TextFeatures(200, "[^\\p{L}\\p{N}]+", List.of(1), List.of(3), FEATURES);
    private static final double INTERCEPT = -1.0;
    private static final double W_CASINO = 40.0;
    private static final double W_SIN = 0.5;  // the character trigram "s i n" (in "casino")

    @TempDir
    Path dir;

    private Path writeModel() throws Exception {
        int casino = SparkTermIndex.indexOf("casino", FEATURES);
        int sin = FEATURES + SparkTermIndex.indexOf("s i n", FEATURES);
        LinearTextClassifier model = new LinearTextClassifier(SPEC, List.of("ham", "spam"), INTERCEPT,
                new int[] {casino, sin}, new double[] {W_CASINO, W_SIN});
        Path modelDir = Files.createDirectories(dir.resolve("spam-model"));
        Files.writeString(modelDir.resolve(LinearTextClassifier.FILE), model.toJson(), StandardCharsets.UTF_8);
        return modelDir;
    }

    @Test
    void scoreIsTheLogisticOfNormalisedCountsReadBackFromDisk() throws Exception {
        LinearTextClassifier model = LinearTextClassifier.load(writeModel().toString());
        // Words: casino x2, ok x1. Character trigrams of the lower-cased text (spaces included) counted here.
        String text = "Casino casino ok";
        String lower = text.toLowerCase();
        java.util.Map<String, Integer> trigrams = new java.util.HashMap<>();
        for (int i = 0; i + 3 <= lower.length(); i++) {
            trigrams.merge(lower.charAt(i) + " " + lower.charAt(i + 1) + " " + lower.charAt(i + 2), 1, Integer::sum);
        }
        double squares = 2 * 2 + 1;
        for (int c : trigrams.values()) {
            squares += c * c;
        }
        double margin = INTERCEPT + (W_CASINO * 2 + W_SIN * trigrams.get("s i n")) / Math.sqrt(squares);
        assertEquals(1 / (1 + Math.exp(-margin)), model.probability(text), 1e-12);
        assertEquals(1 / (1 + Math.exp(1.0)), model.probability(""), 1e-12, "empty text: the intercept alone");
        assertEquals(1 - model.probability(text), model.probability(text, "ham"), 1e-12);
    }

    @Test
    void dropsOnTheConfiguredSideAndRecordsTheScore() throws Exception {
        String modelDir = writeModel().toString();
        ClassifierFilter dropSpam = ClassifierFilter.load(
                new ClassifierFilter.Config("spam", modelDir, 0.5, null, ClassifierFilter.DropWhen.ABOVE, List.of()));
        Signals signals = new Signals();
        assertEquals("classifier:spam", dropSpam.apply(ParsedText.of("casino casino casino"), signals).dropReason());
        assertTrue(signals.measures().get("classifier.spam") > 0.5);
        Signals clean = new Signals();
        assertNull(dropSpam.apply(ParsedText.of("a quiet library"), clean).dropReason());
        assertTrue(clean.measures().get("classifier.spam") < 0.5);

        ClassifierFilter keepHam = ClassifierFilter.load(
                new ClassifierFilter.Config("ham", modelDir, 0.5, "ham", ClassifierFilter.DropWhen.BELOW, List.of()));
        assertEquals("classifier:ham", keepHam.apply(ParsedText.of("casino casino casino"), new Signals()).dropReason());
        ClassifierFilter never = ClassifierFilter.load(
                new ClassifierFilter.Config("score_only", modelDir, 0.5, null, ClassifierFilter.DropWhen.NEVER, List.of()));
        assertNull(never.apply(ParsedText.of("casino casino casino"), new Signals()).dropReason());
        assertTrue(never.dropReasons().isEmpty());
    }

    @Test
    void pipelineRunsClassifiersLastAndCanUseOneAsTheQualityScore() throws Exception {
        String model = writeModel().toString();
        FilterPipeline pipeline = FilterPipeline.fromConfig(FilterConfig.defaults(
                "classifiers=[{name: spam, model: '" + model + "', threshold: 0.5, drop: above}]",
                "quality_score.classifier=spam"));
        assertTrue(pipeline.reasons().contains("classifier:spam"));
        assertEquals("classifier:spam", pipeline.reasons().get(pipeline.reasons().size() - 2),
                "after the blocklist, before the pipeline's own check");
        FilterOutcome kept = pipeline.process(new Document("a", Texts.ENCYCLOPEDIA, null, null, null));
        assertNull(kept.dropReason());
        double score = kept.signals().get(ClassifierFilter.measureOf("spam"));
        assertEquals(score, kept.qualityScore(), 0.0, "quality_score.classifier makes the score the quality score");
        String spam = Texts.ENCYCLOPEDIA.replace("river", "casino");
        FilterOutcome dropped = pipeline.process(new Document("b", spam, null, null, null));
        assertEquals("classifier:spam", dropped.dropReason());
        assertFalse(dropped.kept());
    }

    @Test
    void badConfigurationNamesTheKey() throws Exception {
        String model = writeModel().toString();
        ConfigException unknownQuality = assertThrows(ConfigException.class, () -> FilterPipeline.fromConfig(
                FilterConfig.defaults("quality_score.classifier=nope")));
        assertTrue(unknownQuality.getMessage().contains("quality_score.classifier"), unknownQuality.getMessage());
        ConfigException badLabel = assertThrows(ConfigException.class, () -> FilterPipeline.fromConfig(
                FilterConfig.defaults("classifiers=[{name: spam, model: '" + model + "', threshold: 0.5, "
                        + "positive_label: eggs, drop: above}]")));
        assertTrue(badLabel.getMessage().contains("classifiers[0]") && badLabel.getMessage().contains("eggs"),
                badLabel.getMessage());
        ConfigException missing = assertThrows(ConfigException.class, () -> FilterPipeline.fromConfig(
                FilterConfig.defaults("classifiers=[{name: spam, model: '" + dir.resolve("absent") + "', "
                        + "threshold: 0.5, drop: above}]")));
        assertTrue(missing.getMessage().contains("absent/classifier.json"), missing.getMessage());
        Files.writeString(dir.resolve("broken.json"), "{\"format\": \"something else\"}");
        ConfigException broken = assertThrows(ConfigException.class,
                () -> LinearTextClassifier.load(dir.resolve("broken.json").toString()));
        assertTrue(broken.getMessage().contains("broken.json"), broken.getMessage());
    }
}
