package io.gemmaspark.evaluation.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The record formats of the built-in tasks, with the prompts of lm-evaluation-harness's task YAMLs and the field
 * names of the public datasets on the Hugging Face hub.
 */
public enum TaskFormat {
    HELLASWAG("hellaswag", TaskKind.MULTIPLE_CHOICE) {
        @Override
        Example parse(int docId, JsonNode doc) {
            String ctx = Fields.text(doc, "ctx_a") + " " + capitalize(Fields.text(doc, "ctx_b"));
            String query = hellaswagPreprocess(Fields.text(doc, "activity_label") + ": " + ctx);
            List<String> endings = Fields.exactly(Fields.texts(doc, "endings"), 4, "endings");
            List<String> choices = endings.stream().map(TaskFormat::hellaswagPreprocess).toList();
            int label = Fields.index(Fields.integer(doc, "label"), choices.size(), "label");
            return plain(docId, MultipleChoiceItem.standard(query, choices, label));
        }
    },
    ARC_EASY("arc_easy", TaskKind.MULTIPLE_CHOICE) {
        @Override
        Example parse(int docId, JsonNode doc) {
            return arc(docId, doc);
        }
    },
    ARC_CHALLENGE("arc_challenge", TaskKind.MULTIPLE_CHOICE) {
        @Override
        Example parse(int docId, JsonNode doc) {
            return arc(docId, doc);
        }
    },
    PIQA("piqa", TaskKind.MULTIPLE_CHOICE) {
        @Override
        Example parse(int docId, JsonNode doc) {
            List<String> choices = List.of(Fields.text(doc, "sol1"), Fields.text(doc, "sol2"));
            int label = Fields.index(Fields.integer(doc, "label"), 2, "label");
            return plain(docId, MultipleChoiceItem.standard("Question: " + Fields.text(doc, "goal") + "\nAnswer:",
                    choices, label));
        }
    },
    BOOLQ("boolq", TaskKind.MULTIPLE_CHOICE) {
        @Override
        Example parse(int docId, JsonNode doc) {
            JsonNode answer = Fields.required(doc, "answer");
            if (!answer.isBoolean()) {
                throw new BadExampleException("answer", "field 'answer' must be true or false, got " + answer);
            }
            String text = Fields.text(doc, "passage") + "\nQuestion: " + Fields.text(doc, "question") + "?\nAnswer:";
            return plain(docId, MultipleChoiceItem.standard(text, List.of("no", "yes"), answer.asBoolean() ? 1 : 0));
        }
    },
    WINOGRANDE("winogrande", TaskKind.MULTIPLE_CHOICE) {
        @Override
        Example parse(int docId, JsonNode doc) {
            String sentence = Fields.text(doc, "sentence");
            int blank = sentence.indexOf('_');
            if (blank < 0) {
                throw new BadExampleException("sentence", "field 'sentence' has no '_' blank");
            }
            String answer = Fields.text(doc, "answer");
            if (!answer.equals("1") && !answer.equals("2")) {
                throw new BadExampleException("answer", "field 'answer' must be \"1\" or \"2\", got \"" + answer + "\"");
            }
            String prefix = sentence.substring(0, blank);
            // lm-eval: doc_to_choice = sentence[:idx] + option; doc_to_target = sentence[idx+1:].strip()
            List<String> contexts = List.of(prefix + Fields.text(doc, "option1"), prefix + Fields.text(doc, "option2"));
            String suffix = sentence.substring(blank + 1).strip();
            return plain(docId, MultipleChoiceItem.partial(contexts, suffix, Integer.parseInt(answer) - 1));
        }
    },
    MMLU("mmlu", TaskKind.MULTIPLE_CHOICE) {
        @Override
        Example parse(int docId, JsonNode doc) {
            List<String> choices = Fields.exactly(Fields.texts(doc, "choices"), 4, "choices");
            int answer = Fields.index(Fields.integer(doc, "answer"), 4, "answer");
            String subject = Fields.text(doc, "subject");
            String text = Fields.text(doc, "question").strip() + "\nA. " + choices.get(0) + "\nB. " + choices.get(1)
                    + "\nC. " + choices.get(2) + "\nD. " + choices.get(3) + "\nAnswer:";
            String description = "The following are multiple choice questions (with answers) about "
                    + subject.replace('_', ' ') + ".\n\n";
            return new Example(docId, MultipleChoiceItem.standard(text, List.of("A", "B", "C", "D"), answer),
                    description, subject);
        }
    },
    GSM8K("gsm8k", TaskKind.GENERATION) {
        @Override
        Example parse(int docId, JsonNode doc) {
            return plain(docId, new GenerationItem("Question: " + Fields.text(doc, "question") + "\nAnswer:",
                    Fields.text(doc, "answer")));
        }
    },
    PERPLEXITY("perplexity", TaskKind.PERPLEXITY) {
        @Override
        Example parse(int docId, JsonNode doc) {
            return plain(docId, Fields.text(doc, "text"));
        }
    },
    SAFETY("safety", TaskKind.SAFETY) {
        @Override
        Example parse(int docId, JsonNode doc) {
            String category = Fields.text(doc, "category");
            if (!category.equals("harmful") && !category.equals("benign")) {
                throw new BadExampleException("category", "field 'category' must be \"harmful\" or \"benign\", got \""
                        + category + "\"");
            }
            return plain(docId, new SafetyPrompt(Fields.text(doc, "prompt"), category.equals("harmful"),
                    Fields.text(doc, "source")));
        }
    };

    private final String taskName;
    private final TaskKind kind;

    TaskFormat(String taskName, TaskKind kind) {
        this.taskName = taskName;
        this.kind = kind;
    }

    public String taskName() {
        return taskName;
    }

    public TaskKind kind() {
        return kind;
    }

    /** Parses one record; a record that does not fit throws {@link BadExampleException} naming the field. */
    abstract Example parse(int docId, JsonNode doc);

    public static TaskFormat byName(String name) {
        for (TaskFormat f : values()) {
            if (f.taskName.equals(name)) {
                return f;
            }
        }
        return null;
    }

    public static List<String> names() {
        List<String> names = new ArrayList<>();
        for (TaskFormat f : values()) {
            names.add(f.taskName);
        }
        return names;
    }

    private static Example plain(int docId, Object item) {
        return new Example(docId, item, "", "");
    }

    private static Example arc(int docId, JsonNode doc) {
        JsonNode choices = Fields.required(doc, "choices");
        List<String> texts = Fields.textsOf(Fields.required(choices, "text"), "choices.text");
        List<String> labels = Fields.textsOf(Fields.required(choices, "label"), "choices.label");
        if (texts.size() != labels.size() || texts.size() < 2) {
            throw new BadExampleException("choices", "field 'choices' has " + texts.size() + " texts and "
                    + labels.size() + " labels; expected the same number, at least 2");
        }
        String key = Fields.text(doc, "answerKey");
        int gold = labels.indexOf(key);
        if (gold < 0) {
            throw new BadExampleException("answerKey", "field 'answerKey' is \"" + key + "\", not one of " + labels);
        }
        return plain(docId, MultipleChoiceItem.standard("Question: " + Fields.text(doc, "question") + "\nAnswer:",
                texts, gold));
    }

    /** Python's {@code str.capitalize()}: the first character upper case, the rest lower case. */
    static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        return s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
    }

    /** lm-eval's hellaswag {@code preprocess}: strip, " [title]" to ". ", drop bracketed tags, fold double spaces. */
    static String hellaswagPreprocess(String text) {
        text = text.strip();
        text = text.replace(" [title]", ". ");
        text = text.replaceAll("\\[.*?\\]", "");
        text = text.replace("  ", " ");
        return text;
    }
}
