package io.gemmaspark.model.tokenizer;

import io.gemmaspark.util.LongIntHashMap;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A SentencePiece-compatible BPE tokenizer: the segmentation of google/sentencepiece's {@code bpe_model.cc}, with
 * byte fallback and user-defined symbols as in {@code sentencepiece_processor.cc}. Encoding a line gives exactly the
 * ids {@code spm_encode --output_format=id} gives for the same model.
 *
 * <p>The text is normalised, split into one symbol per character (user-defined symbols are matched whole and never
 * merged), then the adjacent pair whose concatenation is the highest-scoring piece is merged, leftmost first on
 * ties, until no adjacent pair forms a piece. A priority queue over a linked list of symbols makes this
 * O(n log n). Symbols outside the vocabulary become byte pieces (or {@code <unk>} without byte fallback).
 *
 * <p>Instances are immutable and thread-safe. When no piece can span a word boundary (a space symbol after a
 * non-space, true of every SentencePiece-trained BPE vocabulary), segmentation is done per word and frequent words
 * are cached; the result is identical because merges never cross such a boundary.
 */
public final class Tokenizer implements io.gemmaspark.model.TextCodec {
    private static final int MAX_CACHED_WORD_CHARS = 48;
    private static final int MAX_CACHE_ENTRIES = 1 << 17;

    private final TokenizerModel model;
    private final int size;
    private final String[] texts;
    private final float[] scores;
    private final PieceType[] types;
    private final Map<String, Integer> segmentable = new HashMap<>();
    private final Map<String, Integer> reserved = new HashMap<>();
    private final int unkId;
    private final int[] byteIds = new int[256];
    /** Symbol keys: a piece id below {@code size}, else {@code size + codePoint} for a character that is no piece. */
    private final int[] bmpCharKeys = new int[0x10000];
    private final Map<Integer, Integer> astralCharKeys = new HashMap<>();
    /** (left key, right key) -> id of the piece the two merge into. */
    private final LongIntHashMap mergeTable;
    /** The id {@code PieceToId} gives a segmentable piece's text: a reserved piece of the same text wins. */
    private final int[] outputIds;
    private final Map<Integer, int[][]> userDefinedByFirstChar = new HashMap<>();
    private final boolean wordCacheSafe;
    private final ConcurrentHashMap<String, int[]> wordCache = new ConcurrentHashMap<>();
    private final int bosId;
    private final int eosId;
    private final int padId;

    public Tokenizer(TokenizerModel model) {
        this.model = model;
        this.size = model.size();
        texts = new String[size];
        scores = new float[size];
        types = new PieceType[size];
        Arrays.fill(byteIds, -1);
        int unk = -1;
        for (int id = 0; id < size; id++) {
            Piece piece = model.pieces().get(id);
            texts[id] = piece.text();
            scores[id] = piece.score();
            types[id] = piece.type();
            Map<String, Integer> map = piece.type().isSegmentable() ? segmentable : reserved;
            if (map.putIfAbsent(piece.text(), id) != null) {
                throw new IllegalArgumentException("piece " + id + " '" + piece.text() + "' is already defined (id "
                        + map.get(piece.text()) + ")");
            }
            if (piece.type() == PieceType.UNKNOWN) {
                if (unk >= 0) {
                    throw new IllegalArgumentException("two unknown pieces: ids " + unk + " and " + id);
                }
                unk = id;
            }
            if (piece.type() == PieceType.BYTE) {
                if (!model.byteFallback()) {
                    throw new IllegalArgumentException("byte piece " + piece.text() + " (id " + id
                            + ") found although byte_fallback is off");
                }
                int b = Piece.byteValue(piece.text());
                if (b < 0) {
                    throw new IllegalArgumentException("byte piece " + id + " '" + piece.text() + "' is not <0xNN>");
                }
                byteIds[b] = id;
            }
        }
        if (unk < 0) {
            throw new IllegalArgumentException("the vocabulary has no unknown piece (<unk>)");
        }
        unkId = unk;
        if (model.byteFallback()) {
            List<String> missing = new ArrayList<>();
            for (int b = 0; b < 256; b++) {
                if (byteIds[b] < 0) {
                    missing.add(Piece.byteText(b));
                }
            }
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException("byte_fallback is on but the vocabulary lacks " + missing.size()
                        + " of the 256 byte pieces (" + String.join(" ", missing.subList(0, Math.min(8, missing.size())))
                        + (missing.size() > 8 ? " ..." : "") + ")");
            }
        }
        for (int cp = 0; cp < 0x10000; cp++) {
            bmpCharKeys[cp] = size + cp;
        }
        outputIds = new int[size];
        for (int id = 0; id < size; id++) {
            outputIds[id] = reserved.getOrDefault(texts[id], id);
            if (types[id].isSegmentable() && texts[id].codePointCount(0, texts[id].length()) == 1) {
                int cp = texts[id].codePointAt(0);
                if (cp < 0x10000) {
                    bmpCharKeys[cp] = id;
                } else {
                    astralCharKeys.put(cp, id);
                }
            }
        }
        mergeTable = model.merges() == null ? mergesFromScores() : mergesFromRules(model.merges());
        Map<Integer, List<int[]>> byFirst = new HashMap<>();
        for (int id = 0; id < size; id++) {
            if (types[id] == PieceType.USER_DEFINED) {
                int[] cps = texts[id].codePoints().toArray();
                int[] entry = Arrays.copyOf(cps, cps.length + 1);
                entry[cps.length] = id;
                byFirst.computeIfAbsent(cps[0], k -> new ArrayList<>()).add(entry);
            }
        }
        byFirst.forEach((first, list) -> {
            list.sort((a, b) -> Integer.compare(b.length, a.length));
            userDefinedByFirstChar.put(first, list.toArray(new int[0][]));
        });
        wordCacheSafe = model.normalization().escapeWhitespaces() && noPieceSpansWordBoundary();
        bosId = idOf("<bos>", "<s>");
        eosId = idOf("<eos>", "</s>");
        padId = idOf("<pad>", null);
    }

    private int idOf(String name, String alternative) {
        Integer id = reserved.get(name);
        if (id == null && alternative != null) {
            id = reserved.get(alternative);
        }
        return id == null ? -1 : id;
    }

    /** SentencePiece semantics: any split of a piece into two symbols that are keys merges into it. */
    private LongIntHashMap mergesFromScores() {
        LongIntHashMap table = new LongIntHashMap(size * 4);
        for (int id = 0; id < size; id++) {
            if (!types[id].isSegmentable()) {
                continue;
            }
            String text = texts[id];
            for (int split = text.offsetByCodePoints(0, 1); split < text.length();
                    split = text.offsetByCodePoints(split, 1)) {
                int left = keyOf(text.substring(0, split));
                int right = keyOf(text.substring(split));
                if (left >= 0 && right >= 0) {
                    table.putIfAbsent(LongIntHashMap.pair(left, right), id);
                }
            }
        }
        return table;
    }

    /** Hugging Face semantics: only the listed rules merge; a rule's rank is its priority. */
    private LongIntHashMap mergesFromRules(List<String[]> rules) {
        LongIntHashMap table = new LongIntHashMap(rules.size());
        for (int rank = 0; rank < rules.size(); rank++) {
            String[] rule = rules.get(rank);
            int left = keyOf(rule[0]);
            int right = keyOf(rule[1]);
            Integer merged = segmentable.get(rule[0] + rule[1]);
            if (left < 0 || right < 0 || merged == null) {
                throw new IllegalArgumentException("merge " + (rank + 1) + " '" + rule[0] + " " + rule[1]
                        + "' uses or makes a token that is not in the vocabulary");
            }
            table.putIfAbsent(LongIntHashMap.pair(left, right), merged);
        }
        return table;
    }

    private int keyOf(String symbol) {
        Integer id = segmentable.get(symbol);
        if (id != null) {
            return id;
        }
        return symbol.codePointCount(0, symbol.length()) == 1 ? charKey(symbol.codePointAt(0)) : -1;
    }

    private int charKey(int cp) {
        return cp < 0x10000 ? bmpCharKeys[cp] : astralCharKeys.getOrDefault(cp, size + cp);
    }

    private boolean noPieceSpansWordBoundary() {
        char ws = model.normalization().whitespace();
        for (int id = 0; id < size; id++) {
            if (types[id].isSegmentable()) {
                String t = texts[id];
                for (int i = 1; i < t.length(); i++) {
                    if (t.charAt(i) == ws && t.charAt(i - 1) != ws) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    // ---------------------------------------------------------------------------------------------- encoding

    /** The ids of {@code text}, without bos or eos: exactly what {@code spm_encode --output_format=id} prints. */
    public int[] encode(String text) {
        return encode(text, false, false);
    }

    public int[] encode(String text, boolean addBos, boolean addEos) {
        IntList out = new IntList(text.length() / 3 + 4);
        if (addBos) {
            out.add(requireSpecial(bosId, "bos"));
        }
        encodeInto(text, out);
        if (addEos) {
            out.add(requireSpecial(eosId, "eos"));
        }
        return out.toArray();
    }

    /**
     * Like {@link #encode(String, boolean, boolean)}, but a literal U+2581 in the text becomes its three UTF-8 byte
     * pieces instead of the space symbol, so that {@code decode(encodeLossless(s)) == s} for every valid Unicode
     * string. (SentencePiece writes spaces as U+2581, so with {@code encode} a literal U+2581 decodes to a space.)
     * Identical to {@code encode} for text without U+2581. Requires byte fallback.
     */
    public int[] encodeLossless(String text, boolean addBos, boolean addEos) {
        if (text.indexOf(Normalization.SPACE_SYMBOL) < 0 || !model.byteFallback()) {
            return encode(text, addBos, addEos);
        }
        IntList out = new IntList(text.length() / 3 + 4);
        if (addBos) {
            out.add(requireSpecial(bosId, "bos"));
        }
        int from = 0;
        for (int at = text.indexOf(Normalization.SPACE_SYMBOL); at >= 0;
                at = text.indexOf(Normalization.SPACE_SYMBOL, from)) {
            encodeInto(text.substring(from, at), out);
            for (byte b : String.valueOf(Normalization.SPACE_SYMBOL).getBytes(StandardCharsets.UTF_8)) {
                out.add(byteIds[b & 0xFF]);
            }
            from = at + 1;
        }
        encodeInto(text.substring(from), out);
        if (addEos) {
            out.add(requireSpecial(eosId, "eos"));
        }
        return out.toArray();
    }

    /** Encodes many texts in parallel; the result is in input order. */
    public List<int[]> encodeAll(List<String> texts, boolean addBos, boolean addEos) {
        return texts.parallelStream().map(t -> encode(t, addBos, addEos)).toList();
    }

    /** Appends the ids of {@code text} to {@code out}. */
    public void encodeInto(String text, IntList out) {
        String normalized = model.normalization().apply(text);
        if (normalized.isEmpty()) {
            return;
        }
        Segmenter segmenter = SEGMENTERS.get();
        if (!wordCacheSafe) {
            segmenter.segment(this, normalized, 0, normalized.length(), out);
            return;
        }
        char ws = model.normalization().whitespace();
        int start = 0;
        int n = normalized.length();
        for (int i = 1; i <= n; i++) {
            if (i == n || (normalized.charAt(i) == ws && normalized.charAt(i - 1) != ws)) {
                encodeWord(segmenter, normalized, start, i, out);
                start = i;
            }
        }
    }

    private void encodeWord(Segmenter segmenter, String normalized, int from, int to, IntList out) {
        if (to - from > MAX_CACHED_WORD_CHARS) {
            segmenter.segment(this, normalized, from, to, out);
            return;
        }
        String word = normalized.substring(from, to);
        int[] ids = wordCache.get(word);
        if (ids == null) {
            IntList scratch = segmenter.wordIds;
            scratch.clear();
            segmenter.segment(this, normalized, from, to, scratch);
            ids = scratch.toArray();
            if (wordCache.size() < MAX_CACHE_ENTRIES) {
                wordCache.put(word, ids);
            }
        }
        for (int id : ids) {
            appendId(out, id);
        }
    }

    /** Runs of unknown symbols collapse into one {@code <unk>}, as SentencePiece reports them. */
    void appendId(IntList out, int id) {
        if (id == unkId && !model.byteFallback() && out.size() > 0 && out.last() == unkId) {
            return;
        }
        out.add(id);
    }

    private static final ThreadLocal<Segmenter> SEGMENTERS = ThreadLocal.withInitial(Segmenter::new);

    /** The merge loop of {@code bpe_model.cc} over reusable primitive arrays; one per thread. */
    private static final class Segmenter {
        int[] cps = new int[64];
        int[] key = new int[64];
        int[] start = new int[64];
        int[] len = new int[64];
        int[] prev = new int[64];
        int[] next = new int[64];
        boolean[] frozen = new boolean[64];
        // the agenda: a binary max-heap of candidate merges
        float[] hScore = new float[64];
        int[] hLeft = new int[64];
        int[] hRight = new int[64];
        int[] hSize = new int[64];
        int[] hMerged = new int[64];
        int heapSize;
        final Map<Integer, long[]> unusedSplits = new HashMap<>();
        final IntList wordIds = new IntList(64);

        void ensure(int n) {
            if (cps.length < n) {
                int c = Math.max(n, cps.length * 2);
                cps = new int[c];
                key = new int[c];
                start = new int[c];
                len = new int[c];
                prev = new int[c];
                next = new int[c];
                frozen = new boolean[c];
            }
        }

        void segment(Tokenizer t, String s, int from, int to, IntList out) {
            ensure(to - from);
            int n = 0;
            for (int i = from; i < to; ) {
                int cp = s.codePointAt(i);
                cps[n++] = cp;
                i += Character.charCount(cp);
            }
            int count = 0;
            for (int i = 0; i < n; ) {
                long matched = t.userDefinedByFirstChar.isEmpty() ? 0 : t.matchUserDefined(cps, i, n);
                start[count] = i;
                prev[count] = count - 1;
                next[count] = count + 1;
                if (matched > 0) {
                    int length = (int) (matched >>> 32);
                    key[count] = (int) matched;
                    frozen[count] = true;
                    len[count] = length;
                    i += length;
                } else {
                    key[count] = t.charKey(cps[i]);
                    frozen[count] = false;
                    len[count] = 1;
                    i++;
                }
                count++;
            }
            next[count - 1] = -1;
            heapSize = 0;
            unusedSplits.clear();
            for (int i = 1; i < count; i++) {
                maybeAdd(t, i - 1, i);
            }
            while (heapSize > 0) {
                int left = hLeft[0];
                int right = hRight[0];
                int mergedSize = hSize[0];
                int merged = hMerged[0];
                pop();
                if (len[left] == 0 || len[right] == 0 || len[left] + len[right] != mergedSize) {
                    continue;
                }
                key[left] = merged;
                len[left] = mergedSize;
                next[left] = next[right];
                if (next[right] >= 0) {
                    prev[next[right]] = left;
                }
                len[right] = 0;
                maybeAdd(t, prev[left], left);
                maybeAdd(t, left, next[left]);
            }
            for (int i = 0; i >= 0; i = next[i]) {
                emit(t, key[i], start[i], len[i], out);
            }
        }

        private void maybeAdd(Tokenizer t, int left, int right) {
            if (left < 0 || right < 0 || frozen[left] || frozen[right]) {
                return;
            }
            int merged = t.mergeTable.get(LongIntHashMap.pair(key[left], key[right]), -1);
            if (merged < 0) {
                return;
            }
            push(t.scores[merged], left, right, len[left] + len[right], merged);
            if (t.types[merged] == PieceType.UNUSED) {
                unusedSplits.put(merged, new long[] {key[left], key[right]});
            }
        }

        /** Resolves a final symbol to ids: reserved pieces win, unused pieces are split, unknowns fall back. */
        private void emit(Tokenizer t, int symbolKey, int from, int length, IntList out) {
            if (symbolKey < t.size) {
                int id = t.outputIds[symbolKey];
                if (t.types[id] == PieceType.UNUSED) {
                    long[] split = unusedSplits.get(symbolKey);
                    if (split != null) {
                        int leftLength = t.lengthOfKey((int) split[0]);
                        emit(t, (int) split[0], from, leftLength, out);
                        emit(t, (int) split[1], from + leftLength, length - leftLength, out);
                        return;
                    }
                }
                if (t.types[id] != PieceType.UNKNOWN) {
                    out.add(id);
                    return;
                }
            } else {
                Integer id = t.reservedSingleChar(symbolKey - t.size);
                if (id != null && t.types[id] != PieceType.UNKNOWN) {
                    out.add(id);
                    return;
                }
            }
            if (t.model.byteFallback()) {
                byte[] bytes = new String(cps, from, length).getBytes(StandardCharsets.UTF_8);
                for (byte b : bytes) {
                    out.add(t.byteIds[b & 0xFF]);
                }
            } else {
                t.appendId(out, t.unkId);
            }
        }

        private void push(float score, int left, int right, int mergedSize, int merged) {
            if (heapSize == hScore.length) {
                int c = heapSize * 2;
                hScore = Arrays.copyOf(hScore, c);
                hLeft = Arrays.copyOf(hLeft, c);
                hRight = Arrays.copyOf(hRight, c);
                hSize = Arrays.copyOf(hSize, c);
                hMerged = Arrays.copyOf(hMerged, c);
            }
            int i = heapSize++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (!before(score, left, hScore[parent], hLeft[parent])) {
                    break;
                }
                move(parent, i);
                i = parent;
            }
            set(i, score, left, right, mergedSize, merged);
        }

        private void pop() {
            int last = --heapSize;
            if (last == 0) {
                return;
            }
            float score = hScore[last];
            int left = hLeft[last];
            int right = hRight[last];
            int mergedSize = hSize[last];
            int merged = hMerged[last];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= last) {
                    break;
                }
                if (child + 1 < last && before(hScore[child + 1], hLeft[child + 1], hScore[child], hLeft[child])) {
                    child++;
                }
                if (!before(hScore[child], hLeft[child], score, left)) {
                    break;
                }
                move(child, i);
                i = child;
            }
            set(i, score, left, right, mergedSize, merged);
        }

        /** Higher score first; on equal scores the leftmost pair. */
        private static boolean before(float score, int left, float otherScore, int otherLeft) {
            return score > otherScore || (score == otherScore && left < otherLeft);
        }

        private void move(int from, int to) {
            set(to, hScore[from], hLeft[from], hRight[from], hSize[from], hMerged[from]);
        }

        private void set(int i, float score, int left, int right, int mergedSize, int merged) {
            hScore[i] = score;
            hLeft[i] = left;
            hRight[i] = right;
            hSize[i] = mergedSize;
            hMerged[i] = merged;
        }
    }

    /** Longest user-defined symbol at {@code i}: {@code length << 32 | id}, or 0. */
    private long matchUserDefined(int[] cps, int i, int n) {
        int[][] candidates = userDefinedByFirstChar.get(cps[i]);
        if (candidates == null) {
            return 0;
        }
        for (int[] candidate : candidates) {
            int length = candidate.length - 1;
            if (i + length <= n && Arrays.equals(candidate, 0, length, cps, i, i + length)) {
                return ((long) length << 32) | candidate[length];
            }
        }
        return 0;
    }

    private int lengthOfKey(int symbolKey) {
        return symbolKey < size ? texts[symbolKey].codePointCount(0, texts[symbolKey].length()) : 1;
    }

    private Integer reservedSingleChar(int cp) {
        return reserved.isEmpty() ? null : reserved.get(new String(Character.toChars(cp)));
    }

    private int requireSpecial(int id, String name) {
        if (id < 0) {
            throw new IllegalStateException("the vocabulary has no " + name + " piece");
        }
        return id;
    }

    // ---------------------------------------------------------------------------------------------- decoding

    /** The text of {@code ids}, as SentencePiece decodes it: control pieces vanish, byte pieces become UTF-8. */
    public String decode(int[] ids) {
        StringBuilder text = new StringBuilder();
        byte[] pendingBytes = new byte[16];
        int pending = 0;
        boolean bosWhitespace = true;
        boolean bosWhitespaceSeen = false;
        Normalization norm = model.normalization();
        for (int id : ids) {
            if (id < 0 || id >= size) {
                throw new IllegalArgumentException("unknown token id " + id + " (vocabulary size " + size + ")");
            }
            if (types[id] == PieceType.BYTE) {
                if (pending == pendingBytes.length) {
                    pendingBytes = Arrays.copyOf(pendingBytes, pending * 2);
                }
                pendingBytes[pending++] = (byte) Piece.byteValue(texts[id]);
                continue;
            }
            appendBytes(text, pendingBytes, pending);
            pending = 0;
            if (bosWhitespaceSeen || text.length() > 0) {
                bosWhitespace = false;
            }
            bosWhitespaceSeen = false;
            switch (types[id]) {
                case CONTROL -> {
                }
                case UNKNOWN -> text.append(model.unkSurface());
                default -> {
                    String piece = texts[id];
                    if (bosWhitespace && (norm.addDummyPrefix() || norm.removeExtraWhitespaces())
                            && piece.charAt(0) == norm.whitespace()) {
                        piece = piece.substring(1);
                        bosWhitespaceSeen = !norm.removeExtraWhitespaces();
                    }
                    text.append(norm.escapeWhitespaces() ? piece.replace(Normalization.SPACE_SYMBOL, ' ') : piece);
                }
            }
        }
        appendBytes(text, pendingBytes, pending);
        return text.toString();
    }

    /** UTF-8 bytes to text; each byte that starts no valid character becomes U+FFFD, as in SentencePiece. */
    private static void appendBytes(StringBuilder text, byte[] bytes, int n) {
        int i = 0;
        while (i < n) {
            int length = Utf8.validCharLength(bytes, i, n);
            if (length == 0) {
                text.append('\uFFFD');
                i++;
            } else {
                text.append(new String(bytes, i, length, StandardCharsets.UTF_8));
                i += length;
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- vocabulary

    public TokenizerModel model() {
        return model;
    }

    public int vocabSize() {
        return size;
    }

    public String idToPiece(int id) {
        if (id < 0 || id >= size) {
            throw new IllegalArgumentException("unknown token id " + id + " (vocabulary size " + size + ")");
        }
        return texts[id];
    }

    @Override
    public java.util.OptionalInt pieceId(String piece) {
        int id = pieceToId(piece);
        return id == unkId && !piece.equals(texts[unkId]) ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(id);
    }

    /** The id of a piece, or the unknown id when there is none (as SentencePiece's PieceToId). */
    public int pieceToId(String piece) {
        Integer id = reserved.get(piece);
        if (id == null) {
            id = segmentable.get(piece);
        }
        return id == null ? unkId : id;
    }

    public PieceType type(int id) {
        return types[id];
    }

    public int unkId() {
        return unkId;
    }

    public int bosId() {
        return bosId;
    }

    public int eosId() {
        return eosId;
    }

    public int padId() {
        return padId;
    }

    /** Whether the word cache is in use (see the class comment); false only for unusual vocabularies. */
    public boolean cachesWords() {
        return wordCacheSafe;
    }
}
