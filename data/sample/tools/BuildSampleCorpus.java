import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * Builds data/sample/ from public-domain and PSF-licensed text (see data/sample/README.md). Not part of the
 * runtime: run once by data/sample/tools/build-sample.sh, which fetches the Debian packages; the committed
 * output is what bin/gemma demo reads.
 *
 * usage: java BuildSampleCorpus.java KJV_TXT PYTHON_DOC_SOURCES OUT_DIR
 */
public final class BuildSampleCorpus {
    private static final Pattern KJV_CHAPTER = Pattern.compile("^([1-3]? ?[A-Z][A-Za-z ]+) (\\d+)$");
    private static final Pattern VERSE_NUMBER = Pattern.compile("^\\s*\\d+ ");
    private static final Pattern RST_UNDERLINE = Pattern.compile("^([=\\-~^*#+])\\1{3,}\\s*$");
    private static final Random RANDOM = new Random(20261128L);

    record Doc(String id, String source, String text) {
    }

    public static void main(String[] args) throws IOException {
        Path kjvText = Path.of(args[0]);
        Path pythonDocs = Path.of(args[1]);
        Path out = Path.of(args[2]);
        Files.createDirectories(out.resolve("python-howto"));

        List<Doc> kjv = kjvChapters(kjvText);
        writeJsonl(out.resolve("kjv-bible.jsonl.gz"), kjv, true);

        List<Doc> python = new ArrayList<>();
        for (String dir : List.of("tutorial", "reference", "faq", "library")) {
            try (Stream<Path> files = Files.walk(pythonDocs.resolve(dir))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".rst.txt")).sorted().toList()) {
                    python.addAll(rstSections(f, pythonDocs));
                }
            }
        }
        python = python.subList(0, Math.min(python.size(), 3000));
        writeJsonl(out.resolve("python-docs.jsonl"), python, false); // build-sample.sh compresses it with zstd

        try (Stream<Path> files = Files.list(pythonDocs.resolve("howto"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".rst.txt")).sorted().toList()) {
                String name = f.getFileName().toString().replace(".rst.txt", ".txt.gz");
                try (OutputStream gz = new GZIPOutputStream(Files.newOutputStream(out.resolve("python-howto").resolve(name)))) {
                    gz.write(Files.readString(f).getBytes(StandardCharsets.UTF_8));
                }
            }
        }

        Files.writeString(out.resolve("planted.jsonl"), planted(kjv, python));
        System.out.printf("kjv %d chapters, python docs %d sections%n", kjv.size(), python.size());
    }

    /** One document per chapter: "Genesis 1" then its verses, one per line, without verse numbers. */
    static List<Doc> kjvChapters(Path file) throws IOException {
        List<Doc> docs = new ArrayList<>();
        String chapter = null;
        StringBuilder body = new StringBuilder();
        for (String line : Files.readAllLines(file)) {
            Matcher m = KJV_CHAPTER.matcher(line);
            if (m.matches()) {
                if (chapter != null) {
                    docs.add(new Doc(String.format("kjv-%04d", docs.size()), "kjv-bible", chapter + "\n\n" + body.toString().strip()));
                }
                chapter = line.strip();
                body.setLength(0);
            } else if (!line.isBlank()) {
                body.append(VERSE_NUMBER.matcher(line).replaceFirst("")).append('\n');
            }
        }
        docs.add(new Doc(String.format("kjv-%04d", docs.size()), "kjv-bible", chapter + "\n\n" + body.toString().strip()));
        return docs;
    }

    /** The sections of a reStructuredText page (split at underlined headings), each of at least 60 words. */
    static List<Doc> rstSections(Path file, Path root) throws IOException {
        List<String> lines = Files.readAllLines(file);
        String page = root.relativize(file).toString().replace(".rst.txt", "");
        List<Doc> docs = new ArrayList<>();
        StringBuilder section = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            boolean heading = i + 1 < lines.size() && RST_UNDERLINE.matcher(lines.get(i + 1)).matches()
                    && !lines.get(i).isBlank() && lines.get(i + 1).strip().length() >= lines.get(i).strip().length();
            if (heading && wordCount(section) >= 60) {
                docs.add(new Doc("python-" + page + "-" + docs.size(), "python-docs", section.toString().strip()));
                section.setLength(0);
            }
            section.append(lines.get(i)).append('\n');
        }
        if (wordCount(section) >= 60) {
            docs.add(new Doc("python-" + page + "-" + docs.size(), "python-docs", section.toString().strip()));
        }
        return docs;
    }

    static int wordCount(CharSequence s) {
        String t = s.toString().strip();
        return t.isEmpty() ? 0 : t.split("\\s+").length;
    }

    /** Work for every filter: duplicates, near-duplicates, spam, unsafe lines, PII, and broken records. */
    static String planted(List<Doc> kjv, List<Doc> python) {
        StringBuilder out = new StringBuilder();
        List<Doc> pool = new ArrayList<>(kjv);
        pool.addAll(python);
        int n = 0;
        for (int i = 0; i < 40; i++) { // exact copies of real documents under new ids
            Doc d = pool.get(RANDOM.nextInt(pool.size()));
            out.append(json("planted-exact-" + n++, "planted", d.text()));
        }
        n = 0;
        for (int i = 0; i < 60; i++) { // near-duplicates: a few words changed, a line dropped, a line added
            Doc d = pool.get(RANDOM.nextInt(pool.size()));
            out.append(json("planted-near-" + n++, "planted", smallEdits(d.text())));
        }
        // The same text in NFD and NFC: one exact duplicate once normalised (and a near-duplicate of its original).
        String accented = kjv.get(20).text() + "\nA note from the café: the naïve reader's résumé of this chapter.";
        out.append(json("planted-nfc", "planted", Normalizer.normalize(accented, Normalizer.Form.NFC)));
        out.append(json("planted-nfd", "planted", Normalizer.normalize(accented, Normalizer.Form.NFD)));
        out.append(json("planted-control", "planted", kjv.get(30).text().replace("\n", "\r\n") + "\u0007\u0000"));

        String[] spam = {
            repeat("BUY CHEAP WATCHES NOW!!! Best prices online, click here to order today.\n", 40),
            "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " + repeat("Sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. ", 20),
            repeat("• Home\n• Products\n• Contact us\n• Login\n", 15),
            "This website uses cookies to improve your experience. By continuing you agree to our cookie policy.\n"
                + "Please enable JavaScript to view this page.\nClick here.\nTerms of use | Privacy policy",
            repeat("#### $$$ ### !!! ### $$$ ####\n", 30),
            "Great post! Thanks for sharing.",
            repeat("win win win free free free money money money prize prize prize ", 40),
            repeat("Limited offer... act now...\n", 25),
            "function track() { var x = document.cookie; return x; }\n" + repeat("The tracking script loads the page content and the advertising frames. ", 15),
            repeat("subscribe subscribe subscribe like and share ", 30),
        };
        for (int i = 0; i < spam.length; i++) {
            out.append(json("planted-spam-" + i, "planted", spam[i]));
        }

        String[] unsafe = {"You stupid bastard, this is bullshit.", "What an asshole, what a bitch.", "Damn this cunt of a day, bullshit again."};
        for (int i = 0; i < 6; i++) { // real prose with abusive lines spliced in
            String base = pool.get(RANDOM.nextInt(kjv.size())).text();
            out.append(json("planted-unsafe-" + i, "planted", base + "\n" + unsafe[i % 3] + "\n" + unsafe[(i + 1) % 3]));
        }

        String[] pii = {
            "For questions write to jane.doe@example.com or call (555) 010-4477 during office hours.",
            "Payment was made with card 4111 1111 1111 1111 and the receipt sent to billing@example.org.",
            "The applicant's social security number is 219-09-9999; her phone is +1 555 010 9876.",
            "Our build server answers at 192.0.2.17 and the IPv6 gateway is 2001:db8::42 inside the lab network.",
            "Refund to Mastercard 5555 5555 5555 4444, contact support@example.net, SSN on file 078-05-1120.",
        };
        for (int i = 0; i < 25; i++) { // real prose with personal data in it
            Doc d = python.get(RANDOM.nextInt(python.size()));
            out.append(json("planted-pii-" + i, "planted", d.text() + "\n\n" + pii[i % pii.length] + "\n"));
        }

        // Broken records: the prepare job counts each under its own reason with file:line.
        out.append("{\"id\": \"planted-malformed-0\", \"text\": \"an unterminated string}\n");
        out.append(json("planted-after-malformed", "planted", kjv.get(40).text()));
        out.append("{\"id\": \"planted-malformed-1\" \"text\": \"missing comma\"}\n");
        out.append("{\"id\": \"planted-wrong-type\", \"text\": 12345}\n");
        out.append("{\"id\": \"planted-missing-text\", \"body\": \"text under the wrong key\"}\n");
        out.append("{\"id\": \"planted-empty\", \"text\": \"   \"}\n");
        return out.toString();
    }

    static String smallEdits(String text) {
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        if (lines.size() > 6) {
            lines.remove(1 + RANDOM.nextInt(lines.size() - 2));
        }
        String[] words = String.join("\n", lines).split(" ", -1);
        int edits = Math.max(1, words.length / 100);
        for (int e = 0; e < edits; e++) {
            int i = RANDOM.nextInt(words.length);
            if (!words[i].contains("\n")) {
                words[i] = List.of("indeed", "also", "verily", "moreover", "thus").get(RANDOM.nextInt(5));
            }
        }
        return String.join(" ", words) + "\n(Reposted from the original.)";
    }

    static String repeat(String s, int n) {
        return s.repeat(n).strip();
    }

    static void writeJsonl(Path path, List<Doc> docs, boolean gzip) throws IOException {
        StringBuilder s = new StringBuilder();
        for (Doc d : docs) {
            s.append(json(d.id(), d.source(), d.text()));
        }
        byte[] bytes = s.toString().getBytes(StandardCharsets.UTF_8);
        try (OutputStream o = gzip ? new GZIPOutputStream(Files.newOutputStream(path)) : Files.newOutputStream(path)) {
            o.write(bytes);
        }
    }

    static String json(String id, String source, String text) {
        return "{\"id\": " + quote(id) + ", \"source\": " + quote(source) + ", \"text\": " + quote(text) + "}\n";
    }

    static String quote(String s) {
        StringBuilder q = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> q.append("\\\"");
                case '\\' -> q.append("\\\\");
                case '\n' -> q.append("\\n");
                case '\r' -> q.append("\\r");
                case '\t' -> q.append("\\t");
                default -> {
                    if (c < 0x20) {
                        q.append(String.format("\\u%04x", (int) c));
                    } else {
                        q.append(c);
                    }
                }
            }
        }
        return q.append('"').toString();
    }
}
