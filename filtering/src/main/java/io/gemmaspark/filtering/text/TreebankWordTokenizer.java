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
    /** One of NLTK's rewrite rules, skipped when the text lacks every character it needs. */
    private record Rule(Pattern pattern, String replacement, String triggers) {
        String apply(String text) {
            if (!triggers.isEmpty() && !containsAny(text, triggers)) {
                return text;
            }
            return pattern.matcher(text).replaceAll(replacement);
        }
    }

    private static final int FLAGS = Pattern.UNICODE_CHARACTER_CLASS | Pattern.UNIX_LINES;

    /** @param triggers characters of which the text must contain one for the rule to match ("" = always try) */
    private static Rule rule(String regex, String replacement, String triggers) {
        return new Rule(Pattern.compile(regex, FLAGS), replacement, triggers);
    }

    // NLTK 3.9 NLTKWordTokenizer, in its order. Rules that only pad a set of characters with spaces are done by
    // pad(), which gives the same string as the regular expression.
    private static final String STARTING_QUOTE_CHARS = "«“‘„";
    private static final Rule START_QUOTE_AT_BEGINNING = rule("^\"", "``", "\"");
    private static final Rule BACKTICKS = rule("(``)", " $1 ", "`");
    private static final Rule OPENING_DOUBLE_QUOTE = rule("([ (\\[{<])(\"|'{2})", "$1 `` ", "\"'");
    private static final Rule OPENING_SINGLE_QUOTE =
            rule("(?i)(?<!\\w)(')(?!(?:re|ve|ll|m|t|s|d|n)\\b)(?=\\w)", "$1 ", "'");

    private static final Rule FINAL_PERIOD_1 = rule("([^.])(\\.)([\\])}>\"'»”’ ]*)\\s*$", "$1 $2 $3 ", ".");
    private static final Rule COMMA_COLON = rule("([:,])([^\\d])", " $1 $2", ":,");
    private static final Rule COMMA_COLON_AT_END = rule("([:,])$", " $1 ", ":,");
    private static final Rule ELLIPSIS = rule("\\.{2,}", " $0 ", ".");
    private static final String SYMBOLS = ";@#$%&";
    private static final String DASHES = "\u2012\u2013\u2014\u2015";
    private static final Rule FINAL_PERIOD_2 = rule("([^.])(\\.)([\\])}>\"']*)\\s*$", "$1 $2$3 ", ".");
    private static final String QUESTION_EXCLAMATION = "?!";
    private static final Rule QUOTE_BEFORE_SPACE = rule("([^'])' ", "$1 ' ", "'");
    private static final String STAR = "*";

    private static final String PARENS_BRACKETS = "][(){}<>";
    private static final Rule DOUBLE_DASHES = rule("--", " -- ", "-");

    private static final String ENDING_QUOTE_CHARS = "»”’";
    private static final Rule TWO_SINGLE_QUOTES = rule("''", " '' ", "'");
    private static final Rule DOUBLE_QUOTE = rule("\"", " '' ", "\"");
    private static final Rule CLITICS_1 = rule("([^' ])('[sS]|'[mM]|'[dD]|') ", "$1 $2 ", "'");
    private static final Rule CLITICS_2 = rule("([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) ", "$1 $2 ", "'");

    /** MacIntyre's contractions, each with the lower-case text it needs. */
    private record Contraction(String needle, Rule rule) {
    }

    private static final List<Contraction> CONTRACTIONS = List.of(
            new Contraction("cannot", rule("(?i)\\b(can)(not)\\b", " $1 $2 ", "")),
            new Contraction("d'ye", rule("(?i)\\b(d)('ye)\\b", " $1 $2 ", "")),
            new Contraction("gimme", rule("(?i)\\b(gim)(me)\\b", " $1 $2 ", "")),
            new Contraction("gonna", rule("(?i)\\b(gon)(na)\\b", " $1 $2 ", "")),
            new Contraction("gotta", rule("(?i)\\b(got)(ta)\\b", " $1 $2 ", "")),
            new Contraction("lemme", rule("(?i)\\b(lem)(me)\\b", " $1 $2 ", "")),
            new Contraction("more'n", rule("(?i)\\b(more)('n)\\b", " $1 $2 ", "")),
            new Contraction("wanna", rule("(?i)\\b(wan)(na)(?=\\s)", " $1 $2 ", "")),
            new Contraction("'tis", rule("(?i) ('t)(is)\\b", " $1 $2 ", "")),
            new Contraction("'twas", rule("(?i) ('t)(was)\\b", " $1 $2 ", "")));

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
        String text = padRuns(sentence, STARTING_QUOTE_CHARS);
        text = START_QUOTE_AT_BEGINNING.apply(text);
        text = BACKTICKS.apply(text);
        text = OPENING_DOUBLE_QUOTE.apply(text);
        text = OPENING_SINGLE_QUOTE.apply(text);

        text = FINAL_PERIOD_1.apply(text);
        text = COMMA_COLON.apply(text);
        text = COMMA_COLON_AT_END.apply(text);
        text = ELLIPSIS.apply(text);
        text = pad(text, SYMBOLS);
        text = pad(text, DASHES);
        text = FINAL_PERIOD_2.apply(text);
        text = pad(text, QUESTION_EXCLAMATION);
        text = QUOTE_BEFORE_SPACE.apply(text);
        text = pad(text, STAR);

        text = pad(text, PARENS_BRACKETS);
        text = DOUBLE_DASHES.apply(text);
        text = " " + text + " ";

        text = pad(text, ENDING_QUOTE_CHARS);
        text = TWO_SINGLE_QUOTES.apply(text);
        text = DOUBLE_QUOTE.apply(text);
        text = collapseSpaces(text);
        text = CLITICS_1.apply(text);
        text = CLITICS_2.apply(text);
        String lower = text.toLowerCase(java.util.Locale.ROOT);
        for (Contraction c : CONTRACTIONS) {
            if (lower.contains(c.needle())) {
                text = c.rule().apply(text);
            }
        }
        splitOnSpaces(text, out);
    }

    /** {@code re.sub("[chars]", r" \g<0> ", text)}. */
    private static String pad(String text, String chars) {
        if (!containsAny(text, chars)) {
            return text;
        }
        StringBuilder b = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (chars.indexOf(c) >= 0) {
                b.append(' ').append(c).append(' ');
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** {@code re.sub("([«“‘„]|[`]+)", r" \1 ", text)}: runs of backticks are padded as one. */
    private static String padRuns(String text, String chars) {
        if (!containsAny(text, chars) && text.indexOf('`') < 0) {
            return text;
        }
        StringBuilder b = new StringBuilder(text.length() + 16);
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (chars.indexOf(c) >= 0) {
                b.append(' ').append(c).append(' ');
                i++;
            } else if (c == '`') {
                int j = i;
                while (j < text.length() && text.charAt(j) == '`') {
                    j++;
                }
                b.append(' ').append(text, i, j).append(' ');
                i = j;
            } else {
                b.append(c);
                i++;
            }
        }
        return b.toString();
    }

    /** {@code re.sub(r"\s+", " ", text)}. */
    private static String collapseSpaces(String text) {
        StringBuilder b = new StringBuilder(text.length());
        boolean space = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (isSpace(c)) {
                if (!space) {
                    b.append(' ');
                }
                space = true;
            } else {
                b.append(c);
                space = false;
            }
        }
        return b.toString();
    }

    /** {@code text.split()}. */
    private static void splitOnSpaces(String text, List<String> out) {
        int n = text.length();
        int i = 0;
        while (i < n) {
            while (i < n && isSpace(text.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && !isSpace(text.charAt(i))) {
                i++;
            }
            if (i > start) {
                out.add(text.substring(start, i));
            }
        }
    }

    /** Python's str.isspace() for one character. */
    static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    private static boolean containsAny(String text, String chars) {
        for (int i = 0; i < chars.length(); i++) {
            if (text.indexOf(chars.charAt(i)) >= 0) {
                return true;
            }
        }
        return false;
    }
}
