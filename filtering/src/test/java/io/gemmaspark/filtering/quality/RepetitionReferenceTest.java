package io.gemmaspark.filtering.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gemmaspark.filtering.FilterConfig;
import io.gemmaspark.filtering.Signals;
import io.gemmaspark.filtering.text.ParsedText;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Checks the hashed, single-sweep n-gram measures against a direct transcription of the reference definitions
 * (DataTrove's get_n_grams / find_top_duplicate with " ".join, find_all_duplicate with "".join, Counter-style
 * most-common with first-occurrence ties, the skip-ahead duplicate walk) on random texts with planted repeats.
 */
class RepetitionReferenceTest {
    private static final GopherRepetitionFilter MEASURE_ONLY = new GopherRepetitionFilter(FilterConfig.defaults(
            "gopher_repetition.max_dup_para_fraction=1", "gopher_repetition.max_dup_para_char_fraction=1",
            "gopher_repetition.max_dup_line_fraction=1", "gopher_repetition.max_dup_line_char_fraction=1",
            "gopher_repetition.top_ngram_max_char_fraction={2: 1, 3: 1, 4: 1}",
            "gopher_repetition.dup_ngram_max_char_fraction={5: 1, 6: 1, 7: 1, 8: 1, 9: 1, 10: 1}").gopherRepetition());

    private static List<String> ngrams(List<String> words, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i + n <= words.size(); i++) {
            out.add(String.join(" ", words.subList(i, i + n)));
        }
        return out;
    }

    private static long referenceTop(List<String> grams) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        grams.forEach(g -> counts.merge(g, 1, Integer::sum));
        int best = counts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            if (e.getValue() == best) {
                return (long) e.getKey().length() * best;
            }
        }
        return 0;
    }

    private static long referenceDuplicate(List<String> words, int n) {
        Set<String> seen = new HashSet<>();
        long repeated = 0;
        int i = 0;
        while (i < words.size() - n + 1) {
            String gram = String.join("", words.subList(i, i + n));
            if (seen.contains(gram)) {
                repeated += gram.length();
                i += n;
            } else {
                seen.add(gram);
                i++;
            }
        }
        return repeated;
    }

    @Test
    void matchesReferenceDefinitionsOnRandomTextsWithPlantedRepeats() {
        SplittableRandom random = new SplittableRandom(5);
        String[] vocabulary = {"the", "river", "bridge", "of", "stone", "and", "iron", "was", "built", "in", "1779",
            "by", "workers", "from", "Coalbrookdale", "a", "gorge", "crossing", "tolls", "paid"};
        for (int doc = 0; doc < 300; doc++) {
            List<String> words = new ArrayList<>();
            int length = 20 + random.nextInt(200);
            while (words.size() < length) {
                if (words.size() > 12 && random.nextInt(10) == 0) {
                    int span = 2 + random.nextInt(10);
                    int from = random.nextInt(words.size() - span);
                    words.addAll(new ArrayList<>(words.subList(from, from + span)));
                } else {
                    words.add(vocabulary[random.nextInt(doc % 3 == 0 ? 6 : vocabulary.length)]);
                }
            }
            String text = String.join(" ", words);
            Signals signals = new Signals();
            MEASURE_ONLY.apply(ParsedText.of(text), signals);
            for (int n = 2; n <= 10; n++) {
                String key = n <= 4 ? "gopher_repetition.top_" + n + "_gram_char_fraction"
                        : "gopher_repetition.dup_" + n + "_gram_char_fraction";
                long expected = n <= 4 ? referenceTop(ngrams(words, n)) : referenceDuplicate(words, n);
                assertEquals((double) expected / text.length(), signals.measures().get(key), 1e-12,
                        "doc " + doc + " n=" + n);
            }
        }
    }
}
