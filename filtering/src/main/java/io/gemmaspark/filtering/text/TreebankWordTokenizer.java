package io.gemmaspark.filtering.text;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Words as {@code nltk.word_tokenize(text, "english")} gives them, which is what DataTrove's Gopher filters count:
 * the text is split into sentences ({@link SentenceSplitter}), and each sentence is tokenized by the rules of
 * NLTK's improved Treebank tokenizer ({@code NLTKWordTokenizer}, NLTK 3.9): punctuation, brackets, quotes
 * (a double quote becomes {@code ``} or {@code ''}), "--" and clitics ("do" "n't", "John" "'s") become tokens of
 * their own, a period only at the end of a sentence. Implemented here from NLTK's published rules; the rules are
 * regular-expression rewrites applied in NLTK's order.
 */
public final class TreebankWordTokenizer {
    private record Rule(Pattern pattern, String replacement) {
        String apply(String text) {
            return pattern.matcher(text).replaceAll(replacement);
        }
    }

    private static final int FLAGS = Pattern.UNICODE_CHARACTER_CLASS | Pattern.UNIX_LINES;

    private static Rule rule(String regex, String replacement) {
        return new Rule(Pattern.compile(regex, FLAGS), replacement);
    }

    private static final List<Rule> STARTING_QUOTES = List.of(
            rule("([«“‘„]|`+)", " $1 "),
            rule("^\"", "``"),
            rule("(``)", " $1 "),
            rule("([ (\\[{<])(\"|'{2})", "$1 `` "),
            rule("(?i)(?<!\\w)(')(?!(?:re|ve|ll|m|t|s|d|n)\\b)(?=\\w)", "$1 "));

    private static final List<Rule> PUNCTUATION = List.of(
            rule("([^.])(\\.)([\\])}>\"'»”’ ]*)\\s*$", "$1 $2 $3 "),
            rule("([:,])([^\\d])", " $1 $2"),
            rule("([:,])$", " $1 "),
            rule("\\.{2,}", " $0 "),
            rule("[;@#$%&]", " $0 "),
            rule("[\\u2012-\\u2015]", " $0 "),
            rule("([^.])(\\.)([\\])}>\"']*)\\s*$", "$1 $2$3 "),
            rule("[?!]", " $0 "),
            rule("([^'])' ", "$1 ' "),
            rule("[*]", " $0 "));

    private static final Rule PARENS_BRACKETS = rule("[\\]\\[(){}<>]", " $0 ");
    private static final Rule DOUBLE_DASHES = rule("--", " -- ");

    private static final List<Rule> ENDING_QUOTES = List.of(
            rule("([»”’])", " $1 "),
            rule("''", " '' "),
            rule("\"", " '' "),
            rule("\\s+", " "),
            rule("([^' ])('[sS]|'[mM]|'[dD]|') ", "$1 $2 "),
            rule("([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) ", "$1 $2 "));

    private static final List<Rule> CONTRACTIONS = List.of(
            rule("(?i)\\b(can)(not)\\b", " $1 $2 "),
            rule("(?i)\\b(d)('ye)\\b", " $1 $2 "),
            rule("(?i)\\b(gim)(me)\\b", " $1 $2 "),
            rule("(?i)\\b(gon)(na)\\b", " $1 $2 "),
            rule("(?i)\\b(got)(ta)\\b", " $1 $2 "),
            rule("(?i)\\b(lem)(me)\\b", " $1 $2 "),
            rule("(?i)\\b(more)('n)\\b", " $1 $2 "),
            rule("(?i)\\b(wan)(na)(?=\\s)", " $1 $2 "),
            rule("(?i) ('t)(is)\\b", " $1 $2 "),
            rule("(?i) ('t)(was)\\b", " $1 $2 "));

    private final SentenceSplitter sentences;

    public TreebankWordTokenizer(SentenceSplitter sentences) {
        this.sentences = sentences;
    }

    public static final TreebankWordTokenizer ENGLISH = new TreebankWordTokenizer(SentenceSplitter.ENGLISH);

    /** {@code word_tokenize(text)}: the sentences' tokens, in order. */
    public List<String> tokenize(String text) {
        List<String> out = new ArrayList<>();
        for (String sentence : sentences.split(text)) {
            tokenizeSentence(sentence, out);
        }
        return out;
    }

    /** The tokens of one sentence ({@code NLTKWordTokenizer().tokenize(sentence)}), appended to {@code out}. */
    public static void tokenizeSentence(String sentence, List<String> out) {
        String text = sentence;
        for (Rule r : STARTING_QUOTES) {
            text = r.apply(text);
        }
        for (Rule r : PUNCTUATION) {
            text = r.apply(text);
        }
        text = PARENS_BRACKETS.apply(text);
        text = DOUBLE_DASHES.apply(text);
        text = " " + text + " ";
        for (Rule r : ENDING_QUOTES) {
            text = r.apply(text);
        }
        for (Rule r : CONTRACTIONS) {
            text = r.apply(text);
        }
        for (String token : text.split("\\s+")) {
            if (!token.isEmpty()) {
                out.add(token);
            }
        }
    }
}
