package io.gemmaspark.filtering.classifier;

import io.gemmaspark.config.Range;
import java.io.Serializable;
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
    private static final Pattern CHARACTERS = Pattern.compile("");

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
        int block = 0;
        if (!wordNgrams.isEmpty()) {
            String[] words = tokens(Pattern.compile(tokenPattern), prepared);
            for (int n : wordNgrams) {
                ngrams(words, n, block++ * numFeatures, sink);
            }
        }
        if (!charNgrams.isEmpty()) {
            String[] chars = tokens(CHARACTERS, prepared);
            for (int n : charNgrams) {
                ngrams(chars, n, block++ * numFeatures, sink);
            }
        }
    }

    /** RegexTokenizer with gaps: the pieces between matches, empty ones dropped (minTokenLength 1). */
    private static String[] tokens(Pattern pattern, String text) {
        return Arrays.stream(pattern.split(text)).filter(t -> !t.isEmpty()).toArray(String[]::new);
    }

    private void ngrams(String[] tokens, int n, int offset, IntConsumer sink) {
        StringBuilder term = new StringBuilder();
        for (int i = 0; i + n <= tokens.length; i++) {
            term.setLength(0);
            for (int j = 0; j < n; j++) {
                if (j > 0) {
                    term.append(' ');
                }
                term.append(tokens[i + j]);
            }
            sink.accept(offset + SparkTermIndex.indexOf(term.toString(), numFeatures));
        }
    }

    private static List<Integer> concat(List<Integer> a, List<Integer> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
