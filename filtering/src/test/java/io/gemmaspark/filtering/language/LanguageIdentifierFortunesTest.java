package io.gemmaspark.filtering.language;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Language identification accuracy on real text: Debian's fortune cookies in seven languages (packages
 * fortunes-min, fortunes-de, fortunes-es, fortunes-it, fortunes-ru, fortunes-br, fortunes-pl, which .ci/run
 * installs; the test is skipped where they are missing). Each cookie with at least 40 letters is one example,
 * labelled with its package's language; up to 400 per language, spread evenly over the files. Labels are the
 * packages' and slightly noisy (a German file quotes some English), so the figures are lower bounds.
 */
class LanguageIdentifierFortunesTest {
    private static final Path FORTUNES = Path.of("/usr/share/games/fortunes");
    private static final int PER_LANGUAGE = 400;
    private static final double MIN_CONFIDENCE = 0.65; // conf/filters/default.yaml language.min_confidence

    /** Language → fortune files (relative to /usr/share/games/fortunes); directories mean every file in them. */
    private static final Map<String, List<String>> SOURCES = new LinkedHashMap<>();

    static {
        SOURCES.put("en", List.of("fortunes", "literature", "riddles"));
        SOURCES.put("de", List.of("de"));
        SOURCES.put("es", List.of("es"));
        SOURCES.put("it", List.of("it/italia", "it/leggi", "it/definizioni", "it/formiche", "it/luttazzi",
                "it/paolotedeschi"));
        SOURCES.put("ru", List.of("ru"));
        SOURCES.put("pt", List.of("brasil"));
        SOURCES.put("pl", List.of("pl"));
    }

    static List<String> cookies(String language) throws IOException {
        List<Path> files = new ArrayList<>();
        for (String source : SOURCES.get(language)) {
            Path p = FORTUNES.resolve(source);
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(Files::isRegularFile)
                            .filter(f -> !f.getFileName().toString().contains(".") || f.toString().endsWith(".fortunes"))
                            .filter(f -> !f.getFileName().toString().contains("asciiart"))
                            .sorted().forEach(files::add);
                }
            } else if (Files.exists(p)) {
                files.add(p);
            }
        }
        List<String> all = new ArrayList<>();
        for (Path f : files) {
            String content = new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
            for (String cookie : content.split("\n%\n")) {
                String text = cookie.replaceAll("\\s+", " ").strip();
                if (text.codePoints().filter(Character::isLetter).count() >= 40) {
                    all.add(text);
                }
            }
        }
        if (all.size() <= PER_LANGUAGE) {
            return all;
        }
        List<String> sample = new ArrayList<>();
        for (int i = 0; i < PER_LANGUAGE; i++) {
            sample.add(all.get((int) ((long) i * all.size() / PER_LANGUAGE)));
        }
        return sample;
    }

    @Test
    void accuracyPerLanguageOnDebianFortunes() throws IOException {
        assumeTrue(Files.isDirectory(FORTUNES.resolve("de")) && Files.isDirectory(FORTUNES.resolve("ru")),
                "Debian fortunes packages not installed");
        LanguageIdentifier id = LanguageIdentifier.get();
        StringBuilder report = new StringBuilder(String.format(Locale.ROOT,
                "%-4s %5s %9s %22s  most frequent errors%n", "lang", "n", "accuracy",
                "accepted>=" + MIN_CONFIDENCE + " (correct)"));
        Map<String, Double> accuracy = new LinkedHashMap<>();
        for (String language : SOURCES.keySet()) {
            List<String> texts = cookies(language);
            if (texts.size() < 50) {
                continue;
            }
            int correct = 0;
            int accepted = 0;
            int acceptedCorrect = 0;
            Map<String, Integer> errors = new TreeMap<>();
            for (String text : texts) {
                LanguageIdentifier.Detection d = id.detect(text);
                boolean ok = d.language().equals(language);
                correct += ok ? 1 : 0;
                if (d.score() >= MIN_CONFIDENCE) {
                    accepted++;
                    acceptedCorrect += ok ? 1 : 0;
                }
                if (!ok) {
                    errors.merge(d.language(), 1, Integer::sum);
                }
            }
            double acc = (double) correct / texts.size();
            accuracy.put(language, acc);
            report.append(String.format(Locale.ROOT, "%-4s %5d %9.3f %10.3f (%.3f)        %s%n", language,
                    texts.size(), acc, (double) accepted / texts.size(),
                    accepted == 0 ? 0 : (double) acceptedCorrect / accepted, errors));
        }
        System.out.print(report);
        assertTrue(accuracy.size() >= 5, "need at least five languages: " + accuracy.keySet());
        accuracy.forEach((language, acc) -> assertTrue(acc >= 0.85, language + " accuracy " + acc + "\n" + report));
    }
}
