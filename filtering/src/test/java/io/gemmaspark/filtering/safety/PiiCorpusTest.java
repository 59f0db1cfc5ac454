package io.gemmaspark.filtering.safety;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.filtering.FilterConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Precision and recall of {@link PiiRedactor} on a hand-labelled corpus of positives and near-miss negatives
 * ({@code src/test/resources/pii/labelled.txt}). A prediction is a true positive only when it is exactly a
 * labelled span with the labelled type; every other prediction is a false positive, every missed label a false
 * negative. The figures are printed per type and overall.
 */
class PiiCorpusTest {
    private static final Pattern MARK = Pattern.compile("\\{\\{([A-Z_]+):(.+?)}}(?!})");

    record Labelled(String text, Set<PiiRedactor.Span> spans) {
    }

    static List<Labelled> corpus() throws IOException {
        List<Labelled> out = new ArrayList<>();
        try (InputStream in = PiiCorpusTest.class.getResourceAsStream("/pii/labelled.txt")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                StringBuilder text = new StringBuilder();
                Set<PiiRedactor.Span> spans = new HashSet<>();
                Matcher m = MARK.matcher(line);
                int at = 0;
                while (m.find()) {
                    text.append(line, at, m.start());
                    int start = text.length();
                    text.append(m.group(2));
                    spans.add(new PiiRedactor.Span(start, text.length(), PiiType.valueOf(m.group(1))));
                    at = m.end();
                }
                text.append(line.substring(at));
                out.add(new Labelled(text.toString(), spans));
            }
        }
        return out;
    }

    @Test
    void precisionAndRecallOnTheLabelledCorpus() throws IOException {
        PiiRedactor redactor = new PiiRedactor(FilterConfig.defaults().pii());
        Map<PiiType, int[]> counts = new TreeMap<>(); // tp, fp, fn
        for (PiiType t : PiiType.values()) {
            counts.put(t, new int[3]);
        }
        List<String> errors = new ArrayList<>();
        int examples = 0;
        int negatives = 0;
        for (Labelled example : corpus()) {
            examples++;
            negatives += example.spans().isEmpty() ? 1 : 0;
            Set<PiiRedactor.Span> predicted = new HashSet<>(redactor.find(example.text()));
            for (PiiRedactor.Span p : predicted) {
                boolean tp = example.spans().contains(p);
                counts.get(p.type())[tp ? 0 : 1]++;
                if (!tp) {
                    errors.add("false positive " + p.type() + " '" + example.text().substring(p.start(), p.end())
                            + "' in: " + example.text());
                }
            }
            for (PiiRedactor.Span g : example.spans()) {
                if (!predicted.contains(g)) {
                    counts.get(g.type())[2]++;
                    errors.add("missed " + g.type() + " '" + example.text().substring(g.start(), g.end())
                            + "' in: " + example.text());
                }
            }
        }
        int tp = 0;
        int fp = 0;
        int fn = 0;
        StringBuilder report = new StringBuilder(String.format(Locale.ROOT,
                "PII corpus: %d examples (%d near-miss negatives)%n%-13s %4s %4s %4s %9s %6s%n",
                examples, negatives, "type", "tp", "fp", "fn", "precision", "recall"));
        for (Map.Entry<PiiType, int[]> e : counts.entrySet()) {
            int[] c = e.getValue();
            tp += c[0];
            fp += c[1];
            fn += c[2];
            report.append(line(e.getKey().name(), c[0], c[1], c[2]));
        }
        report.append(line("all", tp, fp, fn));
        System.out.print(report);
        errors.forEach(System.out::println);
        double precision = tp / (double) (tp + fp);
        double recall = tp / (double) (tp + fn);
        assertTrue(precision >= 0.97 && recall >= 0.97, report + String.join("\n", errors));
    }

    private static String line(String name, int tp, int fp, int fn) {
        return String.format(Locale.ROOT, "%-13s %4d %4d %4d %9.3f %6.3f%n", name, tp, fp, fn,
                tp / (double) Math.max(1, tp + fp), tp / (double) Math.max(1, tp + fn));
    }
}
