package io.gemmaspark.jobs.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Deterministic English-like documents for benchmarks and tests: sentences of pseudo-words drawn with a Zipf-like
 * law, with stop words, so that they pass the quality filters the way real prose does, and with no accidental
 * overlap between documents (two base documents share essentially no word 5-gram). Document i depends only on
 * (seed, i), so corpora of any size are written streaming and duplicates are planted without remembering text.
 */
public final class SyntheticCorpus {
    private static final String[] STOP_WORDS = {"the", "be", "to", "of", "and", "that", "have", "with", "in", "it"};
    private static final String[] SYLLABLES = {"ka", "lo", "mi", "ten", "ra", "vo", "sel", "dan", "mor", "pi",
        "tu", "gal", "ser", "ni", "bo", "lin", "ca", "dre", "fo", "hal", "jo", "ke", "mu", "ner", "po", "qua",
        "ri", "sto", "tha", "ul", "ve", "wen", "xa", "yo", "zel", "bri", "cor", "dim", "est", "fal"};

    private final long seed;
    private final String[] vocabulary;

    public SyntheticCorpus(long seed, int vocabularySize) {
        this.seed = seed;
        SplittableRandom random = new SplittableRandom(seed);
        vocabulary = new String[vocabularySize];
        for (int i = 0; i < vocabularySize; i++) {
            StringBuilder w = new StringBuilder();
            int syllables = 2 + random.nextInt(2);
            for (int s = 0; s < syllables; s++) {
                w.append(SYLLABLES[random.nextInt(SYLLABLES.length)]);
            }
            vocabulary[i] = w.toString();
        }
    }

    public SyntheticCorpus(long seed) {
        this(seed, 20_000);
    }

    /** Base document {@code index}: 8 to 20 sentences of 8 to 16 words, one sentence per line. */
    public String document(long index) {
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
        int sentences = 8 + random.nextInt(13);
        StringBuilder text = new StringBuilder();
        for (int s = 0; s < sentences; s++) {
            if (s > 0) {
                text.append('\n');
            }
            sentence(random, text);
        }
        return text.toString();
    }

    private void sentence(SplittableRandom random, StringBuilder text) {
        int words = 8 + random.nextInt(9);
        for (int w = 0; w < words; w++) {
            String word = random.nextInt(4) == 0 ? STOP_WORDS[random.nextInt(STOP_WORDS.length)] : word(random);
            if (w == 0) {
                text.append(Character.toUpperCase(word.charAt(0))).append(word, 1, word.length());
            } else {
                text.append(' ').append(word);
            }
        }
        text.append('.');
    }

    /** Zipf-like: the square of a uniform draw favours the front of the vocabulary. */
    private String word(SplittableRandom random) {
        double u = random.nextDouble();
        return vocabulary[(int) (u * u * vocabulary.length)];
    }

    /** {@code text} with {@code replacements} words (not the first of a line) replaced by fresh ones. */
    public String withReplacedWords(String text, int replacements, long editSeed) {
        SplittableRandom random = new SplittableRandom(editSeed);
        String[] words = text.split(" ", -1);
        for (int r = 0; r < replacements; r++) {
            int i = random.nextInt(words.length);
            if (!words[i].contains("\n") && !words[i].endsWith(".")) {
                words[i] = word(random) + "x";
            }
        }
        return String.join(" ", words);
    }

    /** The first {@code fraction} of {@code text}'s lines followed by lines of an unrelated document. */
    public String withSharedPrefix(String text, double fraction, long otherIndex) {
        String[] lines = text.split("\n");
        String[] other = document(otherIndex).split("\n");
        int keep = (int) Math.round(lines.length * fraction);
        List<String> out = new ArrayList<>(List.of(lines).subList(0, keep));
        for (int i = 0; i < Math.min(other.length, lines.length - keep + 2); i++) {
            out.add(other[i]);
        }
        return String.join("\n", out);
    }

    /**
     * A benchmark corpus: {@code documents} JSONL records over {@code files} files, with every 50th an exact copy
     * and every 20th a near copy (2 words changed) of an earlier document. Streams; returns the bytes written.
     */
    public long writeBenchmarkCorpus(Path dir, long documents, int files) {
        try {
            Files.createDirectories(dir);
            JsonFactory json = new JsonFactory();
            long bytes = 0;
            long perFile = (documents + files - 1) / files;
            for (int f = 0; f < files; f++) {
                Path file = dir.resolve(String.format("part-%05d.jsonl", f));
                try (Writer out = new BufferedWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8), 1 << 20)) {
                    for (long i = f * perFile; i < Math.min(documents, (f + 1) * perFile); i++) {
                        String text;
                        if (i % 50 == 7) {
                            text = document(i - 7);
                        } else if (i % 20 == 3) {
                            text = withReplacedWords(document(i - 3), 2, i);
                        } else {
                            text = document(i);
                        }
                        JsonGenerator g = json.createGenerator(out);
                        g.writeStartObject();
                        g.writeStringField("id", String.format("doc-%09d", i));
                        g.writeStringField("text", text);
                        g.writeEndObject();
                        g.flush();
                        out.write('\n');
                    }
                }
                bytes += Files.size(file);
            }
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write benchmark corpus " + dir, e);
        }
    }
}
