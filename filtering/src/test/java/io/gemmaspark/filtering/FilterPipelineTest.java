package io.gemmaspark.filtering;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.junit.jupiter.api.Test;

class FilterPipelineTest {
    private static final FilterPipeline PIPELINE = FilterPipeline.fromConfig(FilterConfig.defaults());

    @Test
    void keepsEncyclopedicArticleWithScoreAndStage() {
        FilterOutcome outcome = PIPELINE.process(new Document("severn", Texts.ENCYCLOPEDIA, "wiki", null, "a.jsonl:1"));
        assertNull(outcome.dropReason(), () -> "dropped: " + outcome.dropReason() + " " + outcome.signals());
        assertTrue(outcome.qualityScore() > 0.75, () -> "score " + outcome.qualityScore() + " " + outcome.signals());
        assertEquals(3, outcome.stage());
        assertTrue(outcome.nWords() > 150);
        assertEquals(outcome.document().text().length(), outcome.nChars());
    }

    @Test
    void pipelineSurvivesJavaSerialization() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(PIPELINE);
        }
        FilterPipeline copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (FilterPipeline) in.readObject();
        }
        Document spam = Document.of("x", "Buy cheap fuck shit bitch pills now " + Texts.ENCYCLOPEDIA);
        assertEquals(PIPELINE.process(spam), copy.process(spam));
        assertFalse(copy.process(spam).kept());
    }
}
