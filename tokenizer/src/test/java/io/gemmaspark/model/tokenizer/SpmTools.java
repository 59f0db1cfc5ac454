package io.gemmaspark.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Runs Debian's sentencepiece command-line tools (package {@code sentencepiece}) for interop tests. */
final class SpmTools {
    /** The spm_train flags of Gemma's tokenizer (issue 4). */
    static final List<String> GEMMA_FLAGS = List.of("--model_type=bpe", "--byte_fallback=true",
            "--split_digits=true", "--allow_whitespace_only_pieces=true", "--remove_extra_whitespaces=false",
            "--add_dummy_prefix=false", "--normalization_rule_name=identity", "--pad_id=0", "--eos_id=1",
            "--bos_id=2", "--unk_id=3", "--user_defined_symbols=<start_of_turn>,<end_of_turn>");

    private SpmTools() {
    }

    static void assumeInstalled() {
        Assumptions.assumeTrue(onPath("spm_train") && onPath("spm_encode"),
                "spm_train/spm_encode not found: install Debian's sentencepiece package (.ci/run does)");
    }

    static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    static Path resource(String name) {
        try {
            return Path.of(SpmTools.class.getResource("/tokenizer/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path train(Path corpus, Path dir, int vocabSize) {
        List<String> command = new ArrayList<>(List.of("spm_train", "--input=" + corpus,
                "--model_prefix=" + dir.resolve("spm"), "--vocab_size=" + vocabSize, "--minloglevel=1"));
        command.addAll(GEMMA_FLAGS);
        run(command, null, dir.resolve("spm_train.log"));
        return dir.resolve("spm.model");
    }

    /** spm_encode's ids for each line of {@code input}. */
    static List<int[]> encode(Path model, Path input, Path dir) {
        Path out = dir.resolve("spm_encode.out");
        run(List.of("spm_encode", "--model=" + model, "--output_format=id"), input, out);
        return readIds(out);
    }

    static List<int[]> readIds(Path file) {
        List<int[]> ids = new ArrayList<>();
        for (String line : lines(file)) {
            ids.add(line.isEmpty() ? new int[0]
                    : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray());
        }
        return ids;
    }

    /** Lines split on '\n' only, as spm_encode reads them ('\r' and other controls stay in the line). */
    static List<String> lines(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
            if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
                lines.remove(lines.size() - 1);
            }
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void run(List<String> command, Path stdin, Path stdout) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(stdout.toFile())
                    .redirectError(ProcessBuilder.Redirect.appendTo(stdout.resolveSibling("spm-stderr.log").toFile()));
            if (stdin != null) {
                pb.redirectInput(stdin.toFile());
            }
            Process p = pb.start();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError(command + " timed out");
            }
            assertEquals(0, p.exitValue(), () -> command + " failed: "
                    + readQuietly(stdout.resolveSibling("spm-stderr.log")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Random text that stresses segmentation: words, runs of spaces and digits, astral characters, combining
     * marks, control characters and the special-symbol spellings. No '\n' (one line per text) and no NUL.
     */
    static String randomText(SplittableRandom random, int length) {
        String[] fragments = {"the", " ", "  ", "     ", "ing", "0", "123", "9876543210", "é", "e\u0301", "\u00e9t\u00e9",
            "日本語", "한국어", "😀", "👩‍👩‍👧", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "\t", "\r", "\u0007", "\u200b", "\ufeff", "<start_of_turn>",
            "<end_of_turn>", "<0x41>", "<s>", "</s>", "<unk>", "▁", "▁▁", "\u2585", "Ω", "ß", "ﬁ", "١٢٣", "x"};
        StringBuilder sb = new StringBuilder();
        while (sb.length() < length) {
            int choice = random.nextInt(4);
            if (choice == 0) {
                sb.append(fragments[random.nextInt(fragments.length)]);
            } else if (choice == 1) {
                int cp;
                do {
                    cp = random.nextInt(4) == 0 ? random.nextInt(0x10000, 0x110000) : random.nextInt(1, 0x3000);
                } while (cp == '\n' || (cp >= 0xD800 && cp <= 0xDFFF) || !Character.isDefined(cp));
                sb.appendCodePoint(cp);
            } else {
                sb.append((char) ('a' + random.nextInt(26)));
                if (random.nextInt(5) == 0) {
                    sb.append(' ');
                }
            }
        }
        return sb.toString();
    }
}
