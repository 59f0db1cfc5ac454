package io.gemmaspark.model.tokenizer;

import io.gemmaspark.model.tokenizer.proto.SentencePieceModel.ModelProto;
import io.gemmaspark.model.tokenizer.proto.SentencePieceModel.NormalizerSpec;
import io.gemmaspark.model.tokenizer.proto.SentencePieceModel.TrainerSpec;
import io.gemmaspark.util.LongIntHashMap;
import io.gemmaspark.util.Progress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * BPE training as spm_train does it ({@code bpe_model_trainer.cc}), on word counts that Spark executors produced
 * with {@link TrainingText}.
 *
 * <ol>
 *   <li>The alphabet is the most frequent characters covering {@code character_coverage} of the corpus; rarer
 *       characters never join a piece (byte fallback encodes them).</li>
 *   <li>Repeatedly, the adjacent symbol pair with the highest count (overlapping repeats such as "aaa" counted
 *       once, ties to the shorter then the smaller piece) is merged everywhere, provided the merged string is a
 *       valid piece ({@link PieceRules}). A piece's score is minus its merge rank, so the encoder replays merges
 *       in training order.</li>
 *   <li>The alphabet follows the merged pieces, most frequent first; special and byte pieces take the first ids.</li>
 * </ol>
 *
 * <p>Counting is incremental: each pair keeps its count and the words it occurs in; a merge rewrites only those
 * words and adjusts the counts of the pairs around each rewrite, and a priority queue with lazy deletion yields the
 * best pair. (spm_train approximates the best pair from a periodically refreshed candidate set; this picks the
 * exact best, so the vocabularies agree closely but not piece for piece.)
 */
public final class BpeTrainer {
    private final TokenizerTrainingConfig config;
    private final PieceRules rules;

    public BpeTrainer(TokenizerTrainingConfig config) {
        this.config = config;
        this.rules = new PieceRules(config);
    }

    /** What a training run produced and measured. */
    public record Result(ModelProto proto, Tokenizer tokenizer, int merges, int alphabetSize, double coverage,
                         long words, long characters, boolean vocabularyExhausted) {
    }

    /** Meta pieces in id order: pad, eos, bos, unk, control symbols, user-defined symbols, then the 256 bytes. */
    static List<Piece> metaPieces(TokenizerTrainingConfig config) {
        List<Piece> meta = new ArrayList<>();
        meta.add(new Piece(TokenizerTrainingConfig.PAD, 0, PieceType.CONTROL));
        meta.add(new Piece(TokenizerTrainingConfig.EOS, 0, PieceType.CONTROL));
        meta.add(new Piece(TokenizerTrainingConfig.BOS, 0, PieceType.CONTROL));
        meta.add(new Piece(TokenizerTrainingConfig.UNK, 0, PieceType.UNKNOWN));
        for (String symbol : config.controlSymbols()) {
            meta.add(new Piece(symbol, 0, PieceType.CONTROL));
        }
        for (String symbol : config.userDefinedSymbols()) {
            meta.add(new Piece(symbol, 0, PieceType.USER_DEFINED));
        }
        if (config.byteFallback()) {
            for (int b = 0; b < 256; b++) {
                meta.add(new Piece(Piece.byteText(b), 0, PieceType.BYTE));
            }
        }
        return meta;
    }

    static List<String> metaPieceTexts(TokenizerTrainingConfig config) {
        return metaPieces(config).stream().map(Piece::text).toList();
    }

    public Result train(Map<String, Long> wordCounts) {
        List<Piece> meta = metaPieces(config);
        Set<String> metaTexts = new HashSet<>(metaPieceTexts(config));

        // 1. the alphabet
        Map<Integer, Long> charCounts = new HashMap<>();
        long allChars = 0;
        for (Map.Entry<String, Long> e : wordCounts.entrySet()) {
            String w = e.getKey();
            for (int i = 0; i < w.length(); ) {
                int c = w.codePointAt(i);
                i += Character.charCount(c);
                if (c == 0 || c == ' ' || Character.isSurrogate((char) c) && c < 0x10000) {
                    continue;
                }
                charCounts.merge(c, e.getValue(), Long::sum);
                allChars += e.getValue();
            }
        }
        List<Map.Entry<Integer, Long>> byFrequency = new ArrayList<>(charCounts.entrySet());
        byFrequency.sort((x, y) -> x.getValue().equals(y.getValue()) ? Integer.compare(x.getKey(), y.getKey())
                : Long.compare(y.getValue(), x.getValue()));
        List<Integer> alphabet = new ArrayList<>();
        long covered = 0;
        for (Map.Entry<Integer, Long> e : byFrequency) {
            if (allChars > 0 && (float) (1.0 * covered / allChars) >= (float) config.characterCoverage()) {
                break;
            }
            covered += e.getValue();
            if (e.getKey() != TrainingText.BOUNDARY) {
                alphabet.add(e.getKey());
            }
        }
        int merges = config.vocabSize() - meta.size() - alphabet.size();
        if (merges < 0) {
            throw new IllegalArgumentException("vocab_size " + config.vocabSize() + " is smaller than the "
                    + meta.size() + " special pieces plus the " + alphabet.size()
                    + " characters needed for character_coverage " + config.characterCoverage()
                    + "; raise vocab_size or lower character_coverage");
        }

        // 2. words as symbol sequences; characters outside the alphabet are -1 and never merge
        Symbols symbols = new Symbols();
        Map<Integer, Integer> charSymbol = new HashMap<>();
        for (int c : alphabet) {
            charSymbol.put(c, symbols.add(new int[] {c}));
        }
        int[][] words = new int[wordCounts.size()][];
        long[] freq = new long[wordCounts.size()];
        int n = 0;
        for (Map.Entry<String, Long> e : wordCounts.entrySet()) {
            words[n] = e.getKey().codePoints().map(c -> charSymbol.getOrDefault(c, -1)).toArray();
            freq[n++] = e.getValue();
        }
        PairIndex index = new PairIndex(symbols, words, freq);
        index.countAll();

        // 3. merges
        List<String> learned = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Progress progress = new Progress("tokenizer-train merges", "pieces", merges);
        while (learned.size() < merges) {
            Pair best = index.pollBest();
            if (best == null) {
                break;
            }
            String text = best.mergedText();
            if (!seen.add(text) || metaTexts.contains(text)) {
                index.retire(best);
                continue;
            }
            learned.add(text);
            index.merge(best, symbols.add(best.merged));
            progress.update(learned.size(), "count " + best.count + " '" + text + "'");
        }

        // 4. the vocabulary: meta pieces, learned pieces, then the alphabet by frequency
        List<Piece> pieces = new ArrayList<>(meta);
        int rank = 0;
        for (String text : learned) {
            pieces.add(new Piece(text, -(rank++), PieceType.NORMAL));
        }
        for (int c : alphabet) {
            pieces.add(new Piece(new String(Character.toChars(c)), -(rank++), PieceType.NORMAL));
        }
        ModelProto proto = SentencePieceModelFile.toProto(
                new TokenizerModel(pieces, config.normalization(), config.byteFallback(),
                        TokenizerModel.DEFAULT_UNK_SURFACE, null),
                trainerSpec(pieces.size()), normalizerSpec());
        Tokenizer tokenizer = SentencePieceModelFile.tokenizer(proto, "trained model");
        return new Result(proto, tokenizer, learned.size(), alphabet.size(),
                allChars == 0 ? 1.0 : 1.0 * covered / allChars, words.length, allChars, learned.size() < merges);
    }

    private TrainerSpec trainerSpec(int vocabSize) {
        return TrainerSpec.newBuilder()
                .setModelType(TrainerSpec.ModelType.BPE)
                .setVocabSize(vocabSize)
                .setSplitDigits(config.splitDigits())
                .setByteFallback(config.byteFallback())
                .setMaxSentencepieceLength(config.maxPieceLength())
                .addAllUserDefinedSymbols(config.userDefinedSymbols())
                .addAllControlSymbols(config.controlSymbols())
                .setCharacterCoverage((float) config.characterCoverage())
                .setInputSentenceSize(config.sampleSize())
                .setMaxSentenceLength(config.maxSentenceLength())
                .setAllowWhitespaceOnlyPieces(config.allowWhitespaceOnlyPieces())
                .setSplitByUnicodeScript(config.splitByUnicodeScript())
                .setSplitByWhitespace(true)
                .setPadId(0).setEosId(1).setBosId(2).setUnkId(3)
                .setPadPiece(TokenizerTrainingConfig.PAD).setEosPiece(TokenizerTrainingConfig.EOS)
                .setBosPiece(TokenizerTrainingConfig.BOS).setUnkPiece(TokenizerTrainingConfig.UNK)
                .build();
    }

    private static NormalizerSpec normalizerSpec() {
        return NormalizerSpec.newBuilder().setName("identity").setAddDummyPrefix(false)
                .setRemoveExtraWhitespaces(false).setEscapeWhitespaces(true).build();
    }

    /** Symbols by id: the characters of the alphabet, then each merged piece. */
    static final class Symbols {
        final List<int[]> chars = new ArrayList<>();

        int add(int[] codePoints) {
            chars.add(codePoints);
            return chars.size() - 1;
        }
    }

    /** A candidate merge: its count over the corpus and the words it occurs in. */
    static final class Pair {
        final int left;
        final int right;
        final int[] merged;
        long count;
        int[] words = new int[4];
        int wordCount;
        int lastWord = -1;
        boolean retired;
        long delta;
        int touchedBy = -1;

        Pair(int left, int right, int[] merged) {
            this.left = left;
            this.right = right;
            this.merged = merged;
        }

        void addWord(int w) {
            if (lastWord == w) {
                return;
            }
            lastWord = w;
            if (wordCount == words.length) {
                words = Arrays.copyOf(words, wordCount * 2);
            }
            words[wordCount++] = w;
        }

        String mergedText() {
            return new String(merged, 0, merged.length);
        }
    }

    private record Candidate(long count, Pair pair) {
    }

    /** Ordering of spm_train: higher count, then shorter piece, then smaller piece (code point order). */
    private static int compareCandidates(Candidate a, Candidate b) {
        if (a.count != b.count) {
            return Long.compare(b.count, a.count);
        }
        int[] x = a.pair.merged;
        int[] y = b.pair.merged;
        if (x.length != y.length) {
            return Integer.compare(x.length, y.length);
        }
        return Arrays.compare(x, y);
    }

    /** Pair counts, the words each pair occurs in, and the queue of candidates. */
    private final class PairIndex {
        private final Symbols symbols;
        private final int[][] words;
        private final long[] freq;
        /** Every pair seen, by key, as an index into {@link #pairList}; -1 for pairs that make invalid pieces. */
        private final LongIntHashMap pairs = new LongIntHashMap(1 << 16);
        private final List<Pair> pairList = new ArrayList<>();
        private final PriorityQueue<Candidate> queue = new PriorityQueue<>(BpeTrainer::compareCandidates);
        /** Pairs whose count the merge in progress changes ({@link Pair#delta}). */
        private final List<Pair> touched = new ArrayList<>();
        private int mergeNumber;

        PairIndex(Symbols symbols, int[][] words, long[] freq) {
            this.symbols = symbols;
            this.words = words;
            this.freq = freq;
        }

        void countAll() {
            for (int w = 0; w < words.length; w++) {
                addWordPairs(w, -1);
            }
            for (Pair p : pairList) {
                queue.add(new Candidate(p.count, p));
            }
        }

        /**
         * Adds the pairs of word {@code w} to the counts (initially) or to the pending deltas, counting a run of one repeated pair
         * as spm_train does ("aaaa" has two "aa", "aaa" one); pairs that involve {@code newSymbol} (or all pairs
         * when it is -1) record the word.
         */
        void addWordPairs(int w, int newSymbol) {
            forEachCountedPair(words[w], (key) -> {
                Pair p = pair(key);
                if (p != null) {
                    if (newSymbol < 0) {
                        p.count += freq[w];
                    } else {
                        addDelta(p, freq[w]);
                    }
                    if (newSymbol < 0 || p.left == newSymbol || p.right == newSymbol) {
                        p.addWord(w);
                    }
                }
            });
        }

        private void removeWordPairs(int w) {
            forEachCountedPair(words[w], key -> {
                int index = pairs.get(key, -1);
                if (index >= 0 && !pairList.get(index).retired) {
                    addDelta(pairList.get(index), -freq[w]);
                }
            });
        }

        private void addDelta(Pair p, long amount) {
            if (p.touchedBy != mergeNumber) {
                p.touchedBy = mergeNumber;
                p.delta = 0;
                touched.add(p);
            }
            p.delta += amount;
        }

        private void forEachCountedPair(int[] word, java.util.function.LongConsumer action) {
            long previous = Long.MIN_VALUE;
            boolean previousCounted = false;
            for (int i = 0; i + 1 < word.length; i++) {
                if (word[i] < 0 || word[i + 1] < 0) {
                    previousCounted = false;
                    previous = Long.MIN_VALUE;
                    continue;
                }
                long key = LongIntHashMap.pair(word[i], word[i + 1]);
                if (key == previous && previousCounted) {
                    previousCounted = false;
                    continue;
                }
                previous = key;
                previousCounted = true;
                action.accept(key);
            }
        }

        private Pair pair(long key) {
            int index = pairs.get(key, Integer.MIN_VALUE);
            if (index != Integer.MIN_VALUE) {
                return index < 0 || pairList.get(index).retired ? null : pairList.get(index);
            }
            int left = (int) (key >>> 32);
            int right = (int) key;
            int[] a = symbols.chars.get(left);
            int[] b = symbols.chars.get(right);
            int[] merged = Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, merged, a.length, b.length);
            if (!rules.isValid(merged)) {
                pairs.put(key, -1);
                return null;
            }
            Pair p = new Pair(left, right, merged);
            pairs.put(key, pairList.size());
            pairList.add(p);
            return p;
        }

        Pair pollBest() {
            Candidate c;
            while ((c = queue.poll()) != null) {
                Pair p = c.pair;
                if (p.retired || p.count <= 0) {
                    continue;
                }
                if (c.count != p.count) {
                    queue.add(new Candidate(p.count, p));
                    continue;
                }
                return p;
            }
            return null;
        }

        void retire(Pair p) {
            p.retired = true;
        }

        /** Rewrites every word containing {@code best} with {@code newSymbol} and updates the counts around it. */
        void merge(Pair best, int newSymbol) {
            retire(best);
            mergeNumber++;
            touched.clear();
            for (int k = 0; k < best.wordCount; k++) {
                int w = best.words[k];
                int[] word = words[w];
                if (!contains(word, best.left, best.right)) {
                    continue;
                }
                removeWordPairs(w);
                words[w] = replace(word, best.left, best.right, newSymbol);
                addWordPairs(w, newSymbol);
            }
            for (Pair p : touched) {
                long d = p.delta;
                if (d == 0) {
                    continue;
                }
                p.count += d;
                if (d > 0) {
                    queue.add(new Candidate(p.count, p));
                }
            }
            best.words = null;
        }

        private boolean contains(int[] word, int a, int b) {
            for (int i = 0; i + 1 < word.length; i++) {
                if (word[i] == a && word[i + 1] == b) {
                    return true;
                }
            }
            return false;
        }

        private int[] replace(int[] word, int a, int b, int merged) {
            int[] out = new int[word.length];
            int n = 0;
            for (int i = 0; i < word.length; i++) {
                if (i + 1 < word.length && word[i] == a && word[i + 1] == b) {
                    out[n++] = merged;
                    i++;
                } else {
                    out[n++] = word[i];
                }
            }
            return Arrays.copyOf(out, n);
        }
    }
}
