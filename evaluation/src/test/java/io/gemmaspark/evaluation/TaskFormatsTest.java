package io.gemmaspark.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.evaluation.metrics.AnswerExtraction;
import io.gemmaspark.evaluation.tasks.Example;
import io.gemmaspark.evaluation.tasks.FewShotSampler;
import io.gemmaspark.evaluation.tasks.MultipleChoiceItem;
import io.gemmaspark.evaluation.tasks.TaskData;
import io.gemmaspark.evaluation.tasks.TaskFormat;
import io.gemmaspark.util.UserError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prompts, filters and bad input, against strings written out by hand from lm-eval's task definitions. */
class TaskFormatsTest {
    @TempDir
    Path tmp;

    private TaskData read(TaskFormat format, String jsonl, boolean strict) throws Exception {
        Path file = tmp.resolve(format.taskName() + ".jsonl");
        Files.writeString(file, jsonl);
        return TaskData.file(format, file.toString(), strict, new Configuration());
    }

    @Test
    void hellaswagPreprocessesLikeLmEval() throws Exception {
        TaskData data = read(TaskFormat.HELLASWAG, "{\"activity_label\": \"Home and Garden\", \"ctx_a\": \"[header] How to "
                + "water a plant [title] Check the soil.\", \"ctx_b\": \"PUSH a finger in\", \"endings\": [\"[step] It is "
                + "dry.\", \"b\", \"c\", \"d\"], \"label\": \"0\"}\n", false);
        MultipleChoiceItem item = (MultipleChoiceItem) data.examples().get(0).item();
        // capitalize() lowers the rest; " [title]" becomes ". "; tags vanish; double spaces fold once.
        assertEquals("Home and Garden: How to water a plant. Check the soil. Push a finger in", item.contexts().get(0));
        assertEquals("  It is dry.", item.continuations().get(0));
    }

    @Test
    void promptsFollowTheTaskYamls() throws Exception {
        MultipleChoiceItem arc = (MultipleChoiceItem) read(TaskFormat.ARC_EASY, "{\"question\": \"Why?\", \"choices\": "
                + "{\"text\": [\"x\", \"y\"], \"label\": [\"1\", \"2\"]}, \"answerKey\": \"2\"}\n", false).examples().get(0).item();
        assertEquals("Question: Why?\nAnswer:", arc.contexts().get(0));
        assertEquals(1, arc.gold());
        MultipleChoiceItem boolq = (MultipleChoiceItem) read(TaskFormat.BOOLQ, "{\"passage\": \"P.\", \"question\": "
                + "\"is it\", \"answer\": true}\n", false).examples().get(0).item();
        assertEquals("P.\nQuestion: is it?\nAnswer:", boolq.contexts().get(0));
        assertEquals(List.of(" no", " yes"), boolq.continuations());
        assertEquals(1, boolq.gold());
        Example mmlu = read(TaskFormat.MMLU, "{\"question\": \" 2+2? \", \"subject\": \"elementary_mathematics\", "
                + "\"choices\": [\"1\", \"2\", \"3\", \"4\"], \"answer\": 3}\n", false).examples().get(0);
        assertEquals("2+2?\nA. 1\nB. 2\nC. 3\nD. 4\nAnswer:", ((MultipleChoiceItem) mmlu.item()).contexts().get(0));
        assertEquals("The following are multiple choice questions (with answers) about elementary mathematics.\n\n",
                mmlu.description());
        MultipleChoiceItem piqa = (MultipleChoiceItem) read(TaskFormat.PIQA, "{\"goal\": \"G\", \"sol1\": \"a\", "
                + "\"sol2\": \"b\", \"label\": 1}\n", false).examples().get(0).item();
        assertEquals("Question: G\nAnswer:", piqa.contexts().get(0));
    }

    @Test
    void fewShotPrefixIsDescriptionThenSolvedExamplesEachEndingWithABlankLine() throws Exception {
        List<Example> pool = read(TaskFormat.PIQA, """
                {"goal": "G0", "sol1": "a0", "sol2": "b0", "label": 0}
                {"goal": "G1", "sol1": "a1", "sol2": "b1", "label": 1}
                {"goal": "G2", "sol1": "a2", "sol2": "b2", "label": 0}
                """, false).examples();
        FewShotSampler sampler = new FewShotSampler(pool, 1234);
        String prefix = sampler.prefix(pool.get(0), 2, true);
        assertTrue(prefix.equals("Question: G1\nAnswer: b1\n\nQuestion: G2\nAnswer: a2\n\n")
                || prefix.equals("Question: G2\nAnswer: a2\n\nQuestion: G1\nAnswer: b1\n\n"), prefix);
        assertEquals(prefix, new FewShotSampler(pool, 1234).prefix(pool.get(0), 2, true), "the same seed, the same shots");
    }

    @Test
    void gsm8kFiltersAndExactMatch() {
        String target = "She has 1,200 - 250 = <<1200-250=950>>950 left.\n#### 950";
        assertEquals("950", AnswerExtraction.strict("So 950 are left.\n#### 950\n"));
        assertEquals(AnswerExtraction.INVALID, AnswerExtraction.strict("The answer is 950."));
        assertEquals("950.", AnswerExtraction.flexible("First 12, then 3, so the answer is 950."));
        assertEquals("$1,200", AnswerExtraction.flexible("It costs $1,200"));
        assertTrue(AnswerExtraction.exactMatch("950.", target), "a trailing '.' is ignored");
        assertTrue(AnswerExtraction.exactMatch("$1,200", "#### 1200"), "',' and '$' are ignored");
        assertTrue(!AnswerExtraction.exactMatch("95", target));
        assertEquals("7", AnswerExtraction.flexible("so 7"), "a lone digit matches the second group");
    }

    @Test
    void badRecordsNameFileLineAndFieldAndAreSkippedOrFailUnderStrict() throws Exception {
        String jsonl = """
                {"goal": "G", "sol1": "a", "sol2": "b", "label": 0}
                {"goal": "G", "sol1": "a", "label": 0}
                {"goal": "G", "sol1": "a", "sol2": "b", "label": 2}
                not json
                """;
        TaskData data = read(TaskFormat.PIQA, jsonl, false);
        Path file = tmp.resolve("piqa.jsonl");
        assertEquals(1, data.examples().size());
        assertEquals(3, data.skipped());
        assertEquals(file + ":2: field 'sol2': missing field 'sol2'", data.problems().get(0));
        assertEquals(file + ":3: field 'label': field 'label' is 2, out of range for 2 choices", data.problems().get(1));
        assertTrue(data.problems().get(2).startsWith(file + ":4: malformed JSON"), data.problems().get(2));

        TaskData hs = read(TaskFormat.HELLASWAG, "{\"activity_label\": \"a\", \"ctx_a\": \"b\", \"ctx_b\": \"c\", "
                + "\"endings\": [\"1\", \"2\", \"3\"], \"label\": 0}\n", false);
        assertTrue(hs.problems().get(0).endsWith(":1: field 'endings': field 'endings' has 3 choices, expected 4"),
                hs.problems().get(0));

        UserError strict = assertThrows(UserError.class, () -> read(TaskFormat.PIQA, jsonl, true));
        assertEquals(file + ":2: field 'sol2': missing field 'sol2' (--strict)", strict.getMessage());
    }

    @Test
    void unknownTaskListsTheKnownOnes() {
        UserError e = assertThrows(UserError.class, () -> TaskSpec.parseList("hellaswag,trivia"));
        assertEquals("--tasks: unknown task 'trivia'; known tasks: hellaswag, arc_easy, arc_challenge, piqa, boolq, "
                + "winogrande, mmlu, gsm8k, perplexity, safety (or a YAML file under conf/tasks/)", e.getMessage());
    }

    @Test
    void aYamlTaskNamesAFormatAndData() throws Exception {
        Path yaml = tmp.resolve("my-piqa.yaml");
        Files.writeString(yaml, "format: piqa\ndata: /data/piqa.jsonl\n");
        TaskSpec spec = TaskSpec.parseList(yaml.toString()).get(0);
        assertEquals(new TaskSpec("my-piqa", TaskFormat.PIQA, "/data/piqa.jsonl"), spec);
    }

    @Test
    void everyShippedSampleParsesWithoutProblems() {
        for (TaskFormat f : TaskFormat.values()) {
            TaskData data = TaskData.sample(f, "test", true);
            assertTrue(data.examples().size() >= 3, f.taskName());
        }
    }
}
