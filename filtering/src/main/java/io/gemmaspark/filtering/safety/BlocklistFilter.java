package io.gemmaspark.filtering.safety;

import io.gemmaspark.config.Range;
import io.gemmaspark.filtering.ConfFiles;
import io.gemmaspark.filtering.DeclaredChecksFilter;
import io.gemmaspark.filtering.DropReason;
import io.gemmaspark.filtering.FilterDecision;
import io.gemmaspark.filtering.Signals;
import io.gemmaspark.filtering.text.Hash64;
import io.gemmaspark.filtering.text.ParsedText;
import io.gemmaspark.util.LongIntHashMap;
import java.io.Serializable;
import java.util.List;

/**
 * Drops documents with more than {@code max_matches} occurrences of blocklisted words or phrases. Entries come
 * from the files listed in config (one word or phrase per line, '#' comments), are matched case-insensitively on
 * whole words ("class" does not match "ass"), and phrases match across any whitespace. The files are read when
 * the filter is built, on the driver, so executors need no access to them.
 *
 * <p>Matching hashes each word once and looks up every phrase length from one to the longest entry, so the cost
 * is linear in the document and independent of the size of the list.
 */
public final class BlocklistFilter extends DeclaredChecksFilter {
    public static final String NAME = "blocklist";

    /** Why the blocklist drops a document. */
    public enum Check {
        MATCHES;

        public final DropReason reason = DropReason.of(NAME, this);
    }

    /**
     * @param files      blocklist files: paths, or names under conf/ (e.g. filters/blocklist-en.txt)
     * @param maxMatches a document with more matches than this is dropped (0 drops on the first match)
     */
    public record Config(boolean enabled, List<String> files, @Range(min = 0) int maxMatches) implements Serializable {
    }

    private final Config config;
    private final LongIntHashMap phraseHashes;
    private final int longestPhrase;

    public BlocklistFilter(Config config) {
        super(NAME, Check.values());
        this.config = config;
        this.phraseHashes = new LongIntHashMap(1024);
        int longest = 0;
        for (String file : config.enabled() ? config.files() : List.<String>of()) {
            for (String entry : ConfFiles.readEntries(file)) {
                ParsedText words = ParsedText.of(entry);
                if (words.wordCount() == 0) {
                    continue;
                }
                phraseHashes.increment(phraseHash(words, 0, words.wordCount()));
                longest = Math.max(longest, words.wordCount());
            }
        }
        this.longestPhrase = longest;
    }

    public int entries() {
        return phraseHashes.size();
    }

    /** Number of blocklisted word or phrase occurrences in the text. */
    public int countMatches(ParsedText parsed) {
        int words = parsed.wordCount();
        int matches = 0;
        for (int i = 0; i < words; i++) {
            long h = 0;
            for (int len = 1; len <= longestPhrase && i + len <= words; len++) {
                h = len == 1 ? parsed.lowerWordHash(i) : Hash64.combine(h, parsed.lowerWordHash(i + len - 1));
                if (phraseHashes.contains(h)) {
                    matches++;
                    break;
                }
            }
        }
        return matches;
    }

    @Override
    public List<String> measures() {
        return List.of("matches");
    }

    @Override
    public FilterDecision apply(ParsedText parsed, Signals signals) {
        int matches = countMatches(parsed);
        signals.measure(NAME, "matches", matches);
        if (matches > config.maxMatches()) {
            return FilterDecision.drop(Check.MATCHES.reason);
        }
        return FilterDecision.keep(parsed.text());
    }

    private static long phraseHash(ParsedText words, int from, int to) {
        long h = words.lowerWordHash(from);
        for (int i = from + 1; i < to; i++) {
            h = Hash64.combine(h, words.lowerWordHash(i));
        }
        return h;
    }
}
