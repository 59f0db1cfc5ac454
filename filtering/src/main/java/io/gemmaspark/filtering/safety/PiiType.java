package io.gemmaspark.filtering.safety;

/** Kinds of personal data the {@link PiiRedactor} replaces; each becomes the placeholder {@code <NAME>}. */
public enum PiiType {
    EMAIL, IP_ADDRESS, PHONE_NUMBER, CREDIT_CARD, SSN;

    public String placeholder() {
        return "<" + name() + ">";
    }
}
