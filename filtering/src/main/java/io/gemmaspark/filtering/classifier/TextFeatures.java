package io.gemmaspark.filtering.classifier;

import io.gemmaspark.config.Range;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.IntConsumer;
import java.util.regex.Pattern;

/**
 * How a text classifier turns a document into hashed term counts: the first {@code maxChars} code points,
 * lower-cased; word tokens (the text split on {@code tokenPattern}) and their n-grams for each order in
 * {@code wordNgrams}; character n-grams for each order in {@code charNgrams}. Each order is one block of
 * {@code numFeatures} hashed features, words first, in the listed order.
 *
 * <p>This is the definition of the MLlib pipeline that {@code classifier-train} builds (SQLTransformer lower +
 * substring, RegexTokenizer, NGram, HashingTF per block, VectorAssembler), reproduced term for term so that
 * {@link LinearTextClassifier} scores records without Spark: RegexTokenizer splits with {@link Pattern#split} and
 * drops empty tokens, NGram joins n consecutive tokens with one space, and a character "token" is what the empty
 * pattern splits off.
 *
 * @param maxChars     code points read from the start of a document (Spark's {@code substring} counts code points)
 * @param tokenPattern regular expression between word tokens
 * @param wordNgrams   orders of word n-grams (1 = the words themselves)
 * @param charNgrams   orders of character n-grams; empty for none
 * @param numFeatures  hashed features per block
 */
public record TextFeatures(@Range(min = 1) int maxChars, String tokenPattern, List<Integer> wordNgrams,
                           List<Integer> charNgrams, @Range(min = 2) int numFeatures) implements Serializable {
    public TextFeatures {
        Pattern.compile(tokenPattern); // fails early, naming the pattern
        if (wordNgrams.isEmpty() && charNgrams.isEmpty()) {
            throw new IllegalArgumentException("word_ngrams and char_ngrams are both empty: no features");
        }
        for (int n : concat(wordNgrams, charNgrams)) {
            if (n < 1) {
                throw new IllegalArgumentException("n-gram orders must be >= 1, got " + n);
            }
        }
        wordNgrams = List.copyOf(wordNgrams);
        charNgrams = List.copyOf(charNgrams);
    }

    /** Feature blocks: one per word n-gram order, then one per character n-gram order. */
    public int blocks() {
        return wordNgrams.size() + charNgrams.size();
    }

    public int dimension() {
        return blocks() * numFeatures;
    }

    /** The text the tokenizers see: the first maxChars code points, lower-cased (Spark SQL's lower and substring). */
    public String prepare(String text) {
        int end = text.codePointCount(0, text.length()) <= maxChars ? text.length() : text.offsetByCodePoints(0, maxChars);
        return text.substring(0, end).toLowerCase(Locale.ROOT);
    }

    /** Calls {@code sink} with the feature index of every term occurrence of {@code text}, block by block. */
    public void forEachIndex(String text, IntConsumer sink) {
        String prepared = prepare(text);
        TermBytes term = new TermBytes();
        int block = 0;
        if (!wordNgrams.isEmpty()) {
            Tokens words = Tokens.words(Pattern.compile(tokenPattern), prepared);
            for (int n : wordNgrams) {
                words.ngrams(n, block++ * numFeatures, numFeatures, term, sink);
            }
        }
        if (!charNgrams.isEmpty()) {
            Tokens chars = Tokens.chars(prepared);
            for (int n : charNgrams) {
                chars.ngrams(n, block++ * numFeatures, numFeatures, term, sink);
            }
        }
    }

    /**
     * Tokens as UTF-8 bytes, token i being data[offsets[i], offsets[i + 1]): n-grams are hashed from these bytes
     * joined by a space byte, which is what NGram's {@code mkString(" ")} followed by HashingTF's UTF-8 encoding
     * gives, without building a String per n-gram.
     */
    private static final class Tokens {
        final byte[] data;
        final int[] offsets;
        final int count;

        private Tokens(byte[] data, int[] offsets, int count) {
            this.data = data;
            this.offsets = offsets;
            this.count = count;
        }

        /** RegexTokenizer with gaps: the pieces between matches, empty ones dropped (minTokenLength 1). */
        static Tokens words(Pattern gaps, String text) {
            String[] pieces = gaps.split(text);
            byte[][] encoded = new byte[pieces.length][];
            int total = 0;
            int count = 0;
            for (String piece : pieces) {
                if (!piece.isEmpty()) {
                    encoded[count] = piece.getBytes(StandardCharsets.UTF_8);
                    total += encoded[count++].length;
                }
            }
            byte[] data = new byte[total];
            int[] offsets = new int[count + 1];
            for (int i = 0; i < count; i++) {
                System.arraycopy(encoded[i], 0, data, offsets[i], encoded[i].length);
                offsets[i + 1] = offsets[i] + encoded[i].length;
            }
            return new Tokens(data, offsets, count);
        }

        /**
         * What the empty pattern splits off: every UTF-16 unit, a surrogate included (so each half of a pair
         * becomes a lone surrogate, which String.getBytes encodes as '?').
         */
        static Tokens chars(String text) {
            int n = text.length();
            byte[] data = new byte[3 * n];
            int[] offsets = new int[n + 1];
            int at = 0;
            for (int i = 0; i < n; i++) {
                char c = text.charAt(i);
                if (c < 0x80) {
                    data[at++] = (byte) c;
                } else if (c < 0x800) {
                    data[at++] = (byte) (0xc0 | c >> 6);
                    data[at++] = (byte) (0x80 | c & 0x3f);
                } else if (Character.isSurrogate(c)) {
                    data[at++] = '?';
                } else {
                    data[at++] = (byte) (0xe0 | c >> 12);
                    data[at++] = (byte) (0x80 | c >> 6 & 0x3f);
                    data[at++] = (byte) (0x80 | c & 0x3f);
                }
                offsets[i + 1] = at;
            }
            return new Tokens(data, offsets, n);
        }

        void ngrams(int n, int blockOffset, int numFeatures, TermBytes term, IntConsumer sink) {
            for (int i = 0; i + n <= count; i++) {
                term.length = 0;
                for (int j = i; j < i + n; j++) {
                    if (j > i) {
                        term.append((byte) ' ');
                    }
                    term.append(data, offsets[j], offsets[j + 1] - offsets[j]);
                }
                sink.accept(blockOffset + SparkTermIndex.indexOf(term.bytes, term.length, numFeatures));
            }
        }
    }

    /** One reusable buffer for the bytes of the current n-gram. */
    private static final class TermBytes {
        byte[] bytes = new byte[64];
        int length;

        void append(byte b) {
            ensure(1);
            bytes[length++] = b;
        }

        void append(byte[] source, int from, int count) {
            ensure(count);
            System.arraycopy(source, from, bytes, length, count);
            length += count;
        }

        private void ensure(int more) {
            if (length + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(2 * bytes.length, length + more));
            }
        }
    }

    private static List<Integer> concat(List<Integer> a, List<Integer> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
