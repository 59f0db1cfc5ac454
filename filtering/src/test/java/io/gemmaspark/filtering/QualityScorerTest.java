package io.gemmaspark.filtering;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QualityScorerTest {
    private static final QualityScorer SCORER = new QualityScorer(new QualityScorer.Config(List.of(
            new QualityScorer.Component("gopher_quality.stop_word_fraction", 0.02, 0.12, 2.0),
            new QualityScorer.Component("gopher_repetition.dup_line_fraction", 0.30, 0.0, 1.0)),
            List.of(0.5, 0.75), null));

    @Test
    void mapsEachSignalLinearlyBetweenBadAndGoodAndClips() {
        assertEquals(1.0, SCORER.score(Map.of("gopher_quality.stop_word_fraction", 0.2,
                "gopher_repetition.dup_line_fraction", 0.0)), 1e-12);
        assertEquals(0.0, SCORER.score(Map.of("gopher_quality.stop_word_fraction", 0.01,
                "gopher_repetition.dup_line_fraction", 0.5)), 1e-12);
        // stop words halfway (0.5, weight 2), repetition at 0.15 of 0.30 (0.5, weight 1).
        assertEquals(0.5, SCORER.score(Map.of("gopher_quality.stop_word_fraction", 0.07,
                "gopher_repetition.dup_line_fraction", 0.15)), 1e-12);
        // weighted: (2*1.0 + 1*0.0) / 3
        assertEquals(2.0 / 3, SCORER.score(Map.of("gopher_quality.stop_word_fraction", 0.12,
                "gopher_repetition.dup_line_fraction", 0.3)), 1e-12);
    }

    @Test
    void missingSignalsAreLeftOut() {
        assertEquals(0.25, SCORER.score(Map.of("gopher_repetition.dup_line_fraction", 0.225)), 1e-12);
        assertEquals(1.0, SCORER.score(Map.of()), 1e-12);
    }

    @Test
    void stagesFollowThresholds() {
        assertEquals(3, SCORER.stages());
        assertEquals(1, SCORER.stage(0.0));
        assertEquals(1, SCORER.stage(0.4999));
        assertEquals(2, SCORER.stage(0.5));
        assertEquals(2, SCORER.stage(0.7));
        assertEquals(3, SCORER.stage(0.75));
        assertEquals(3, SCORER.stage(1.0));
    }
}
