package io.gemmaspark.filtering.safety;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.filtering.FilterConfig;
import io.gemmaspark.filtering.Signals;
import io.gemmaspark.filtering.text.ParsedText;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PiiRedactorTest {
    private static final PiiRedactor REDACTOR = new PiiRedactor(FilterConfig.defaults().pii());

    @Test
    void redactsEveryTypeInARealisticMessageAndCountsThem() {
        String message = """
                Hi Sam, please send the signed form to jane.doe+hr@example.co.uk or call me on (415) 555-0132.
                My card is 4111 1111 1111 1111 and my SSN is 123-45-6789, just in case the bank asks again.
                The server at 192.168.10.24 and its twin at 2001:db8:85a3::8a2e:370:7334 were rebooted.
                From abroad dial +44 20 7946 0958. Thanks!
                """;
        Signals signals = new Signals();
        String redacted = REDACTOR.apply(ParsedText.of(message), signals).text();
        assertEquals("""
                Hi Sam, please send the signed form to <EMAIL> or call me on <PHONE_NUMBER>.
                My card is <CREDIT_CARD> and my SSN is <SSN>, just in case the bank asks again.
                The server at <IP_ADDRESS> and its twin at <IP_ADDRESS> were rebooted.
                From abroad dial <PHONE_NUMBER>. Thanks!
                """, redacted);
        assertEquals(Map.of("EMAIL", 1, "PHONE_NUMBER", 2, "CREDIT_CARD", 1, "SSN", 1, "IP_ADDRESS", 2),
                signals.redactions());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "alice@example.com", "bob.smith@mail.example.org", "first_last-1@sub.domain.io", "x@y.travel"})
    void emails(String email) {
        assertEquals("Write to <EMAIL> today.", REDACTOR.redact("Write to " + email + " today."));
    }

    @ParameterizedTest
    @ValueSource(strings = {"415-555-0132", "415.555.0132", "(415) 555-0132", "(415)555-0132", "+1 415 555 0132",
        "1-800-555-0199", "+1-415-555-0132", "+44 20 7946 0958", "+49 30 12345678", "+33 1 42 68 53 00"})
    void phoneNumbers(String phone) {
        assertEquals("Call <PHONE_NUMBER> now.", REDACTOR.redact("Call " + phone + " now."));
    }

    @ParameterizedTest
    @ValueSource(strings = {"4111111111111111", "4111-1111-1111-1111", "5500 0000 0000 0004", "3782 822463 10005",
        "6011000990139424"})
    void creditCards(String card) {
        assertEquals("Paid with <CREDIT_CARD>.", REDACTOR.redact("Paid with " + card + "."));
    }

    @ParameterizedTest
    @ValueSource(strings = {"8.8.8.8", "10.0.0.1", "172.16.254.1", "255.255.255.255", "fe80::1ff:fe23:4567:890a",
        "2001:0db8:0000:0000:0000:ff00:0042:8329", "::1:2"})
    void ipAddresses(String ip) {
        assertEquals("Host <IP_ADDRESS> is down.", REDACTOR.redact("Host " + ip + " is down."));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "Released in version 1.2.3.4 of the library.",          // version after "version"
        "Upgrade to v10.0.0.1 before Friday.",                   // v-prefixed version
        "Requires Python 3.11.4 or newer.",                      // three-part version
        "Section 2.4.1.6.3 explains the rule.",                  // five-part outline number
        "Scores were 999.1.1.1 in the log.",                     // octet out of range
        "The meeting is on 2021-03-04 at 10:30:15.",             // ISO date and time
        "Dates like 03/04/2021 and 12.05.2022 are not numbers to hide.",
        "The population grew to 1,234,567 by 1990.",             // grouped number
        "Order 5551234567 shipped; invoice 20230415001.",        // bare digit runs are IDs, not phones
        "ISBN 978-3-16-148410-0 is on the back cover.",
        "The card 4111 1111 1111 1112 fails the Luhn check.",    // Luhn-invalid
        "Account 1234 5678 9012 3456 has no issuer prefix.",     // unknown issuer
        "Not an SSN: 000-12-3456, 666-12-3456 or 923-45-6789.",  // unissuable areas
        "Use std::vector and a::b in C++; the time is 12:30:45.", // C++ scopes, times
        "Reach us at @support on Twitter.",                      // handle, not an email
        "Temperatures of -40 to 50 degrees and +3.5 percent growth.",
        "Call extension 555-0132 from inside the building."     // 7-digit local numbers are not redacted
    })
    void leavesLookalikesAlone(String text) {
        assertEquals(text, REDACTOR.redact(text));
    }

    @Test
    void ipv6AfterALabelColonOrBeforeSentencePunctuation() {
        assertEquals("Address:<IP_ADDRESS>, gateway <IP_ADDRESS>: both reachable.",
                REDACTOR.redact("Address:fe80::1ff:fe23:4567:890a, gateway 2001:db8::1: both reachable."));
        // An IPv4-mapped IPv6 address keeps its prefix; the IPv4 part is what identifies the host.
        assertEquals("Mapped ::ffff:<IP_ADDRESS>", REDACTOR.redact("Mapped ::ffff:192.0.2.128"));
        String notAddresses = "Timestamps 10:30:45:12 and 23:59:59, ratio 3:2:1, label beef::cafe, std::map::at.";
        assertEquals(notAddresses, REDACTOR.redact(notAddresses));
    }

    @Test
    void luhnChecksum() {
        assertTrue(PiiRedactor.luhnValid("79927398713"));
        assertFalse(PiiRedactor.luhnValid("79927398710"));
        assertTrue(PiiRedactor.isCreditCard("4012 8888 8888 1881"));
        assertFalse(PiiRedactor.isCreditCard("4012 88888888 1881 0")); // group of 1
    }

    @Test
    void onlyConfiguredTypesAreRedacted() {
        PiiRedactor emailsOnly = new PiiRedactor(FilterConfig.defaults("pii.types=[email]").pii());
        assertEquals("Mail <EMAIL> or call 415-555-0132.", emailsOnly.redact("Mail a@b.com or call 415-555-0132."));
    }

    @Test
    void placeholdersAreNotRedactedAgain() {
        String once = REDACTOR.redact("Mail a@b.com or call 415-555-0132.");
        assertEquals(once, REDACTOR.redact(once));
    }

    // The leaks found in review (issue 14), one test each.

    @Test
    void ipv4InsideAUrl() {
        assertEquals("Log in at http://<IP_ADDRESS>/admin now.", REDACTOR.redact("Log in at http://192.168.1.20/admin now."));
        assertEquals("https://<IP_ADDRESS>:8443/x and ftp://user@<IP_ADDRESS>/pub",
                REDACTOR.redact("https://10.0.0.7:8443/x and ftp://user@198.51.100.23/pub"));
        assertEquals("The range 10.0.0.0/8 is private.", REDACTOR.redact("The range 10.0.0.0/8 is private."));
    }

    @Test
    void cardFollowedByCvvOrExpiryFallsBackToTheCardGroups() {
        // 4111 1111 1111 1111 123: the 19 digits fail Luhn; the first four groups are the card
        assertEquals("Card <CREDIT_CARD> 123", REDACTOR.redact("Card 4111 1111 1111 1111 123"));
        assertEquals("Card <CREDIT_CARD> 12/27", REDACTOR.redact("Card 5500 0000 0000 0004 12/27"));
        assertEquals("Card <CREDIT_CARD> 321", REDACTOR.redact("Card 4111111111111111 321"));
    }

    @Test
    void dottedCardsAndCardsAfterNoOrComma() {
        assertEquals("Paid with <CREDIT_CARD>.", REDACTOR.redact("Paid with 4111.1111.1111.1111."));
        assertEquals("Card No.<CREDIT_CARD> declined", REDACTOR.redact("Card No.4111111111111111 declined"));
        assertEquals("Visa,<CREDIT_CARD>,12/26", REDACTOR.redact("Visa,4012888888881881,12/26"));
        assertEquals("1,234,567 and 2.4.1", REDACTOR.redact("1,234,567 and 2.4.1"));
    }

    @Test
    void ipv6AfterALabelEndingInAHexLetter() {
        assertEquals("node:<IP_ADDRESS> up", REDACTOR.redact("node:fe80::1 up"));
        assertEquals("IPv6:<IP_ADDRESS> seen", REDACTOR.redact("IPv6:2001:db8::1 seen"));
        assertEquals("code:deadbeef ok", REDACTOR.redact("code:deadbeef ok"));
    }

    @Test
    void ssnsWithSpacesOrNoSeparatorsWhenTheContextSaysSsn() {
        assertEquals("SSN: <SSN>", REDACTOR.redact("SSN: 123 45 6789"));
        assertEquals("SSN <SSN> on the W-2", REDACTOR.redact("SSN 219099999 on the W-2"));
        assertEquals("Social Security Number <SSN>.", REDACTOR.redact("Social Security Number 078 05 1120."));
        // without the context these are part numbers and order ids
        assertEquals("Part 123 45 6789, order 123456789.", REDACTOR.redact("Part 123 45 6789, order 123456789."));
        // and the context does not reach over a line break
        assertEquals("SSN\norder 123456789", REDACTOR.redact("SSN\norder 123456789"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"020 7946 0958", "07700 900123", "030 12345678", "(030) 1234 5678", "01 42 68 53 00",
        "01.42.68.53.00", "06 1234 5678", "020-123-4567", "02 9876 5432", "0044 20 7946 0958", "0049-30-1234567"})
    void phoneNumbersOutsideNorthAmericaWithoutPlus(String phone) {
        assertEquals("Call <PHONE_NUMBER> now.", REDACTOR.redact("Call " + phone + " now."));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Dates 01.02.2023 12:30 and 03.04.2021.", "ZIP 02134-1234 in Boston.",
        "IBAN DE89 3704 0044 0532 0130 00 here.", "Numbers 04 15 23 42 08 16 won.", "Code 0000 0000 0000 0000."})
    void nationalNumberLookalikes(String text) {
        assertEquals(text, REDACTOR.redact(text));
    }
}
