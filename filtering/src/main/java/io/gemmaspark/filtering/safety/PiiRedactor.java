package io.gemmaspark.filtering.safety;

import java.io.Serializable;
import io.gemmaspark.filtering.DocumentFilter;
import io.gemmaspark.filtering.DropReason;
import io.gemmaspark.filtering.FilterDecision;
import io.gemmaspark.filtering.Signals;
import io.gemmaspark.filtering.text.ParsedText;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces personal data with typed placeholders ({@code <EMAIL>}, {@code <IP_ADDRESS>}, {@code <PHONE_NUMBER>},
 * {@code <CREDIT_CARD>}, {@code <SSN>}) and counts the replacements by type. Never drops a document.
 *
 * <p>Precision matters as much as recall: training text is full of version numbers, dates, prices and IDs.
 * So every numeric pattern must start at a token boundary, and matches are validated:
 * <ul>
 *   <li>credit cards: 13-19 digits, unseparated or in groups of 3-6 split by one kind of separator (space, dash
 *       or dot), a known issuer prefix (Visa, Mastercard, Amex, Discover, Diners, JCB) and a valid Luhn
 *       checksum. When more groups follow (a CVV, an expiry), every shorter run of whole groups is tried, longest
 *       first. A card may follow a comma (CSV) or a letter and a dot ("No.4111...");</li>
 *   <li>SSNs: ddd-dd-dddd with an issuable area (not 000, 666 or 9xx), group (not 00) and serial (not 0000);
 *       also "ddd dd dddd" and "ddddddddd" when "SSN" or "social security" appears shortly before;</li>
 *   <li>IPv4: four octets 0-255 without leading zeros, not part of a longer dotted number and not after
 *       "version", "v", "release" or "build" (1.2.3.4 after "version" is a version) or CIDR ranges
 *       (10.0.0.0/8 names a network); also as the host of a URL
 *       ({@code http://192.168.1.20/admin}, {@code ftp://user@10.0.0.1});</li>
 *   <li>IPv6: full or "::"-compressed hex groups with at least two groups and a digit (so "std::vector" and
 *       "12:30:45" are untouched), also after a label whose last letters are hex digits ("node:fe80::1");</li>
 *   <li>phones: North American numbers with separators, e.g. (415) 555-0132, 415.555.0132, +1 415 555 0132;
 *       international numbers written with a leading '+' or "00" and 8-15 digits; and national numbers with a
 *       trunk '0' outside North America (020 7946 0958, 01 42 68 53 00, (030) 1234 5678): 10-12 digits in
 *       groups split by one kind of separator. A bare run of digits is not a phone number, and neither is a date
 *       such as 2021-03-04 or 01.02.2023.</li>
 * </ul>
 * Numeric patterns are only tried where a token starts with a digit, '+' or '(' and emails only around '@', so
 * the cost is one linear scan for ordinary text.
 */
public final class PiiRedactor implements DocumentFilter {
    public static final String NAME = "pii";

    public record Config(boolean enabled, List<PiiType> types) implements Serializable {
    }

    private static final String OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
    private static final Pattern IPV4 = Pattern.compile(OCTET + "(?:\\." + OCTET + "){3}(?!\\d|\\.\\d|/\\d)");
    private static final String HEX = "[0-9A-Fa-f]{1,4}";
    /** Matched against whole runs of hex digits and colons, so it needs no lookarounds. */
    private static final Pattern IPV6 = Pattern.compile(HEX + "(?::" + HEX + "){7}|(?:" + HEX
            + "(?::" + HEX + "){0,6})?::(?:" + HEX + "(?::" + HEX + "){0,6})?");
    private static final Pattern SSN = Pattern.compile("(\\d{3})-(\\d{2})-(\\d{4})(?![\\d-])");
    /** Space-separated or unseparated SSNs, accepted only after {@link #SSN_CONTEXT}. */
    private static final Pattern SSN_LOOSE = Pattern.compile("(\\d{3})( ?)(\\d{2})\\2(\\d{4})(?![\\d-]|[.,]\\d)");
    private static final Pattern SSN_CONTEXT = Pattern.compile(
            "(?i)(?<![a-z])(?:ssns?|ss#|ssn#|social[ -]security|soc\\.? ?sec\\.?)(?![a-z])");
    private static final int SSN_CONTEXT_WINDOW = 40;
    private static final Pattern NANP_PHONE = Pattern.compile(
            "(?:\\+?1[ .-]?)?(?:\\([2-9]\\d{2}\\) ?|[2-9]\\d{2}[ .-])\\d{3}[ .-]\\d{4}(?!\\d|[.-]\\d)");
    private static final Pattern INTERNATIONAL_PHONE = Pattern.compile(
            "\\+\\d{1,3}(?:[ .-]?(?:\\(\\d{1,4}\\)|\\d{1,8})){1,5}(?!\\d|[.-]\\d)");
    /** "00" international prefix: 0044 20 7946 0958, 0049-30-1234567. */
    private static final Pattern INTERNATIONAL_00_PHONE = Pattern.compile(
            "00[1-9]\\d{0,2}(?:[ .-]?(?:\\(\\d{1,4}\\)|\\d{1,8})){1,5}(?!\\d|[ .-]\\d)");
    /** National numbers with a trunk 0 (UK, DE, FR, IT, NL, AU, ...): 020 7946 0958, 01.42.68.53.00. */
    private static final Pattern TRUNK_PHONE = Pattern.compile(
            "(?:\\(0\\d{1,4}\\) ?|0\\d{1,4}([ .-]))\\d{2,8}(?:[ .-]\\d{2,8}){0,3}(?!\\d|[ .-]\\d)");
    /** "photo@2x.png" is a file name: a "top-level domain" that is an image or document extension. */
    private static final Set<String> FILE_EXTENSIONS = Set.of("png", "jpg", "jpeg", "gif", "svg", "webp", "bmp",
            "ico", "tif", "tiff", "pdf", "js", "css", "html", "htm");
    private static final Set<String> VERSION_WORDS = Set.of("version", "ver", "v", "release", "build", "rev",
            "revision", "firmware", "kernel");

    private final Config config;
    private final Set<PiiType> types;

    public PiiRedactor(Config config) {
        this.config = config;
        this.types = config.types().isEmpty() ? EnumSet.noneOf(PiiType.class) : EnumSet.copyOf(config.types());
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<DropReason> dropReasons() {
        return List.of(); // redaction rewrites text and never drops
    }

    @Override
    public FilterDecision apply(ParsedText parsed, Signals signals) {
        String text = parsed.text();
        List<Span> spans = find(text);
        if (spans.isEmpty()) {
            return FilterDecision.keep(text);
        }
        StringBuilder out = new StringBuilder(text.length());
        int at = 0;
        for (Span span : spans) {
            out.append(text, at, span.start).append(span.type.placeholder());
            at = span.end;
            signals.redacted(span.type.name(), 1);
        }
        out.append(text, at, text.length());
        return FilterDecision.keep(out.toString());
    }

    /** Redacts {@code text} and returns the result; convenient outside the pipeline. */
    public String redact(String text) {
        return apply(ParsedText.of(text), new Signals()).text();
    }

    record Span(int start, int end, PiiType type) {
    }

    /** Non-overlapping PII spans, in text order. */
    List<Span> find(String text) {
        List<Span> found = new ArrayList<>();
        if (types.contains(PiiType.EMAIL) && text.indexOf('@') >= 0) {
            findEmails(text, found);
        }
        if (types.contains(PiiType.IP_ADDRESS) && text.indexOf(':') >= 0) {
            findIpv6(text, found);
        }
        found.sort((a, b) -> Integer.compare(a.start, b.start));
        List<Span> spans = new ArrayList<>();
        for (Span s : found) {
            if (spans.isEmpty() || s.start >= spans.get(spans.size() - 1).end) {
                spans.add(s);
            }
        }
        return findNumeric(text, spans);
    }

    private static void findEmails(String text, List<Span> out) {
        int n = text.length();
        for (int at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
            int start = at;
            while (start > 0 && isLocalPartChar(text.charAt(start - 1))) {
                start--;
            }
            while (start < at && text.charAt(start) == '.') {
                start++;
            }
            int end = at + 1;
            while (end < n && isDomainChar(text.charAt(end))) {
                end++;
            }
            while (end > at + 1 && (text.charAt(end - 1) == '.' || text.charAt(end - 1) == '-')) {
                end--;
            }
            if (start < at && isEmailDomain(text, at + 1, end)) {
                out.add(new Span(start, end, PiiType.EMAIL));
                at = end - 1;
            }
        }
    }

    private static boolean isEmailDomain(String text, int from, int to) {
        int lastDot = text.lastIndexOf('.', to - 1);
        if (lastDot <= from || to - lastDot - 1 < 2 || text.substring(from, to).contains("..")
                || FILE_EXTENSIONS.contains(text.substring(lastDot + 1, to).toLowerCase(Locale.ROOT))) {
            return false;
        }
        for (int i = lastDot + 1; i < to; i++) {
            if (!Character.isLetter(text.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isLocalPartChar(char c) {
        return c < 128 && (Character.isLetterOrDigit(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-');
    }

    private static boolean isDomainChar(char c) {
        return c < 128 && (Character.isLetterOrDigit(c) || c == '.' || c == '-');
    }

    /**
     * Looks only at runs of hex digits and colons around each colon, and accepts a run that is entirely one
     * address (a leading or trailing single colon, as in "Address:fe80::1", is punctuation, not part of it).
     * Checking whole runs keeps "std::vector" and times like 12:30:45 out, and costs nothing on colon-free text.
     */
    private static void findIpv6(String text, List<Span> out) {
        Matcher m = IPV6.matcher(text);
        int n = text.length();
        for (int colon = text.indexOf(':'); colon >= 0; ) {
            int start = colon;
            int end = colon;
            while (start > 0 && isHexOrColon(text.charAt(start - 1))) {
                start--;
            }
            while (end < n && isHexOrColon(text.charAt(end))) {
                end++;
            }
            if (text.startsWith(":", start) && !text.startsWith("::", start)) {
                start++;
            } else if (start > 0 && isWordChar(text.charAt(start - 1))) {
                // the run starts inside a word: "node:fe80::1" gives "de:fe80::1", "IPv6:2001:db8::1" gives
                // "6:2001:db8::1". The label ends at the first single colon; the address is what follows.
                int labelEnd = text.indexOf(':', start);
                if (labelEnd >= 0 && labelEnd < end - 1 && text.charAt(labelEnd + 1) != ':') {
                    start = labelEnd + 1;
                }
            }
            if (end - start > 1 && text.charAt(end - 1) == ':' && text.charAt(end - 2) != ':') {
                end--;
            }
            boolean bounded = (start == 0 || text.charAt(start - 1) == ':'
                    || !isWordChar(text.charAt(start - 1)) && text.charAt(start - 1) != '.')
                    && (end == n || !isWordChar(text.charAt(end))
                    && !(text.charAt(end) == '.' && end + 1 < n && isAsciiDigit(text.charAt(end + 1))));
            if (bounded && end - start <= 39 && m.region(start, end).matches() && isPlausibleIpv6(m.group())) {
                out.add(new Span(start, end, PiiType.IP_ADDRESS));
            }
            int next = Math.max(end, colon + 1);
            colon = next < n ? text.indexOf(':', next) : -1;
        }
    }

    private static boolean isHexOrColon(char c) {
        return c == ':' || c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }

    private static boolean isPlausibleIpv6(String candidate) {
        int groups = 0;
        boolean digit = false;
        for (String group : candidate.split(":")) {
            if (!group.isEmpty()) {
                groups++;
            }
        }
        for (int i = 0; i < candidate.length(); i++) {
            digit |= Character.isDigit(candidate.charAt(i));
        }
        boolean compressed = candidate.contains("::");
        return digit && (compressed ? groups >= 2 && groups <= 7 : groups == 8);
    }

    /**
     * One left-to-right scan trying the numeric patterns at token starts, skipping the spans already found;
     * returns all spans in text order.
     */
    private List<Span> findNumeric(String text, List<Span> existing) {
        boolean cards = types.contains(PiiType.CREDIT_CARD);
        boolean ssns = types.contains(PiiType.SSN);
        boolean ips = types.contains(PiiType.IP_ADDRESS);
        boolean phones = types.contains(PiiType.PHONE_NUMBER);
        if (!(cards || ssns || ips || phones)) {
            return existing;
        }
        List<Span> out = new ArrayList<>(existing.size() + 4);
        Matcher ssn = boundless(SSN.matcher(text));
        Matcher ssnLoose = boundless(SSN_LOOSE.matcher(text));
        Matcher ipv4 = boundless(IPV4.matcher(text));
        Matcher nanp = boundless(NANP_PHONE.matcher(text));
        Matcher intl = boundless(INTERNATIONAL_PHONE.matcher(text));
        Matcher intl00 = boundless(INTERNATIONAL_00_PHONE.matcher(text));
        Matcher trunk = boundless(TRUNK_PHONE.matcher(text));
        int n = text.length();
        int next = 0;
        int i = 0;
        while (i < n) {
            if (next < existing.size() && i >= existing.get(next).start) {
                out.add(existing.get(next));
                i = existing.get(next).end;
                next++;
                continue;
            }
            char c = text.charAt(i);
            if (!(isAsciiDigit(c) || c == '+' || c == '(')) {
                i++;
                continue;
            }
            boolean tokenStart = atTokenStart(text, i);
            boolean cardStart = tokenStart || atCardStart(text, i);
            boolean hostStart = tokenStart || atUrlHostStart(text, i);
            if (!(tokenStart || cardStart || hostStart)) {
                i++;
                continue;
            }
            int limit = next < existing.size() ? existing.get(next).start : n;
            Span span = null;
            if (isAsciiDigit(c)) {
                int cardEnd = cards && cardStart ? cardEnd(text, i, limit) : -1;
                if (cardEnd > 0) {
                    span = new Span(i, cardEnd, PiiType.CREDIT_CARD);
                } else if (ssns && tokenStart && looking(ssn, i, limit) && isIssuableSsn(ssn)) {
                    span = new Span(i, ssn.end(), PiiType.SSN);
                } else if (ssns && tokenStart && looking(ssnLoose, i, limit) && isIssuableSsn(ssnLoose)
                        && afterSsnContext(text, i)) {
                    span = new Span(i, ssnLoose.end(), PiiType.SSN);
                } else if (ips && hostStart && looking(ipv4, i, limit) && !afterVersionWord(text, i)) {
                    span = new Span(i, ipv4.end(), PiiType.IP_ADDRESS);
                }
            }
            if (span == null && phones && tokenStart) {
                if (looking(nanp, i, limit)) {
                    span = new Span(i, nanp.end(), PiiType.PHONE_NUMBER);
                } else if (c == '+' && looking(intl, i, limit) && isInternationalPhone(intl.group(), 0)) {
                    span = new Span(i, intl.end(), PiiType.PHONE_NUMBER);
                } else if (continuesDigitGroups(text, i)) {
                    // "IBAN DE89 3704 0044 0532": a group inside a longer run of digit groups is not a phone
                } else if (text.startsWith("00", i) && looking(intl00, i, limit)
                        && isInternationalPhone(intl00.group(), 2)) {
                    span = new Span(i, intl00.end(), PiiType.PHONE_NUMBER);
                } else if ((c == '0' || c == '(') && looking(trunk, i, limit) && isTrunkPhone(trunk.group())) {
                    span = new Span(i, trunk.end(), PiiType.PHONE_NUMBER);
                }
            }
            if (span != null) {
                out.add(span);
                i = span.end;
            } else {
                i++;
            }
        }
        while (next < existing.size()) {
            out.add(existing.get(next++));
        }
        return out;
    }

    private static Matcher boundless(Matcher m) {
        return m.useTransparentBounds(true).useAnchoringBounds(false);
    }

    private static boolean looking(Matcher m, int from, int to) {
        m.region(from, to);
        return m.lookingAt();
    }

    /** A candidate must not continue a word, a number, a dotted or dashed sequence or a path. */
    private static boolean atTokenStart(String text, int i) {
        if (i == 0) {
            return true;
        }
        char p = text.charAt(i - 1);
        return !(Character.isLetterOrDigit(p) || p == '.' || p == '-' || p == '_' || p == '/' || p == '+'
                || p == '@' || p == ',');
    }

    /**
     * Cards also follow a comma (CSV fields: "Smith,4111111111111111") or a dot after a letter ("No.4111...").
     * The card check itself (13-19 digits, issuer, Luhn) keeps "1,234,567" and "2.4.1" out.
     */
    private static boolean atCardStart(String text, int i) {
        char p = text.charAt(i - 1);
        return p == ',' || p == '.' && i >= 2 && Character.isLetter(text.charAt(i - 2));
    }

    /** The host of a URL ("http://192.168.1.20/admin") or after user info ("ftp://user@10.0.0.1"). */
    private static boolean atUrlHostStart(String text, int i) {
        return i >= 2 && text.startsWith("//", i - 2) || text.charAt(i - 1) == '@';
    }

    /** The character before {@code i} is a separator that follows a digit: "3704 0044" at "0044". */
    private static boolean continuesDigitGroups(String text, int i) {
        return i >= 2 && (text.charAt(i - 1) == ' ' || text.charAt(i - 1) == '.' || text.charAt(i - 1) == '-')
                && isAsciiDigit(text.charAt(i - 2));
    }

    /** "SSN", "social security" or "soc. sec." shortly before {@code i}, on the same line. */
    private static boolean afterSsnContext(String text, int i) {
        int from = Math.max(0, i - SSN_CONTEXT_WINDOW);
        int newline = text.lastIndexOf('\n', i - 1);
        if (newline >= from) {
            from = newline + 1;
        }
        return SSN_CONTEXT.matcher(text).region(from, i).find();
    }

    /**
     * End of the longest card number starting at {@code start}, or -1. The digits are read as groups split by
     * one kind of separator (space, dash or dot); the candidates are the runs of whole groups, longest first, so
     * "4111 1111 1111 1111 123" (card and CVV) yields the 16-digit card after the 19-digit run fails Luhn.
     */
    static int cardEnd(String text, int start, int limit) {
        int[] ends = new int[8];
        int[] lengths = new int[8];
        int groups = 0;
        char separator = 0;
        int pos = start;
        while (groups < ends.length) {
            int groupStart = pos;
            while (pos < limit && isAsciiDigit(text.charAt(pos))) {
                pos++;
            }
            ends[groups] = pos;
            lengths[groups] = pos - groupStart;
            groups++;
            if (pos + 1 < limit && isCardSeparator(text.charAt(pos)) && isAsciiDigit(text.charAt(pos + 1))
                    && (separator == 0 || separator == text.charAt(pos))) {
                separator = text.charAt(pos);
                pos++;
            } else {
                break;
            }
        }
        if (pos < limit && isAsciiDigit(text.charAt(pos))) {
            return -1; // more than 8 groups: not a card
        }
        for (int k = groups - 1; k >= 0; k--) {
            int digits = 0;
            boolean groupsOk = true;
            for (int g = 0; g <= k; g++) {
                digits += lengths[g];
                groupsOk &= k == 0 || lengths[g] >= 3 && lengths[g] <= 6;
            }
            if (digits < 13 || digits > 19 || !groupsOk) {
                continue;
            }
            String number = text.substring(start, ends[k]).replaceAll("[^0-9]", "");
            if (hasIssuerPrefix(number) && luhnValid(number)) {
                return ends[k];
            }
        }
        return -1;
    }

    private static boolean isCardSeparator(char c) {
        return c == ' ' || c == '-' || c == '.';
    }

    private static boolean isAsciiDigit(char c) {
        return c >= '0' && c <= '9';
    }

    static boolean isCreditCard(String candidate) {
        return cardEnd(candidate, 0, candidate.length()) == candidate.length();
    }

    private static boolean hasIssuerPrefix(String d) {
        int two = Integer.parseInt(d.substring(0, 2));
        int three = Integer.parseInt(d.substring(0, 3));
        int four = Integer.parseInt(d.substring(0, 4));
        return d.charAt(0) == '4'                                   // Visa
                || (two >= 51 && two <= 55) || (four >= 2221 && four <= 2720) // Mastercard
                || two == 34 || two == 37                           // American Express
                || four == 6011 || two == 65 || (three >= 644 && three <= 649) // Discover
                || two == 36 || two == 38 || (three >= 300 && three <= 305)   // Diners Club
                || two == 35;                                       // JCB
    }

    /** The Luhn mod-10 checksum every payment card number carries in its last digit. */
    static boolean luhnValid(String digits) {
        int sum = 0;
        boolean doubled = false;
        for (int i = digits.length() - 1; i >= 0; i--) {
            int d = digits.charAt(i) - '0';
            if (doubled) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            doubled = !doubled;
        }
        return sum % 10 == 0;
    }

    private static boolean isIssuableSsn(Matcher m) {
        String area = m.group(1);
        return !area.equals("000") && !area.equals("666") && area.charAt(0) != '9'
                && !m.group(2).equals("00") && !m.group(3).equals("0000");
    }

    /** 8-15 digits after the international prefix ("+" or "00", {@code prefixDigits} of them). */
    private static boolean isInternationalPhone(String candidate, int prefixDigits) {
        int digits = countDigits(candidate) - prefixDigits;
        return digits >= 8 && digits <= 15;
    }

    /**
     * 10-12 digits (9 or fewer are dates and ZIP+4 codes; more are IDs) and one kind of separator throughout,
     * so "01.02.2023 12" (a date and a time) is not a number.
     */
    private static boolean isTrunkPhone(String candidate) {
        int digits = countDigits(candidate);
        if (digits < 10 || digits > 12) {
            return false;
        }
        String body = candidate.startsWith("(") ? candidate.substring(candidate.indexOf(')') + 1).strip() : candidate;
        char separator = 0;
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (!isAsciiDigit(c)) {
                if (separator != 0 && c != separator) {
                    return false;
                }
                separator = c;
            }
        }
        return true;
    }

    private static int countDigits(String s) {
        int digits = 0;
        for (int i = 0; i < s.length(); i++) {
            if (isAsciiDigit(s.charAt(i))) {
                digits++;
            }
        }
        return digits;
    }

    /** "version 1.2.3.4", "v 10.0.0.1" and similar are versions, not addresses. */
    private static boolean afterVersionWord(String text, int start) {
        int end = start;
        while (end > 0 && Character.isWhitespace(text.charAt(end - 1))) {
            end--;
        }
        int begin = end;
        while (begin > 0 && Character.isLetter(text.charAt(begin - 1))) {
            begin--;
        }
        return begin < end && VERSION_WORDS.contains(text.substring(begin, end).toLowerCase(Locale.ROOT));
    }
}
