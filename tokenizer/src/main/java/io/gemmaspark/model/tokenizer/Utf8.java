package io.gemmaspark.model.tokenizer;

/** The UTF-8 checks SentencePiece applies byte by byte when it decodes byte pieces. */
final class Utf8 {
    private Utf8() {
    }

    /** Length of the well-formed UTF-8 character at {@code bytes[i]}, or 0 if it is malformed or cut off. */
    static int validCharLength(byte[] bytes, int i, int end) {
        int b0 = bytes[i] & 0xFF;
        if (b0 < 0x80) {
            return 1;
        }
        int length;
        int min;
        int cp;
        if ((b0 & 0xE0) == 0xC0) {
            length = 2;
            min = 0x80;
            cp = b0 & 0x1F;
        } else if ((b0 & 0xF0) == 0xE0) {
            length = 3;
            min = 0x800;
            cp = b0 & 0x0F;
        } else if ((b0 & 0xF8) == 0xF0) {
            length = 4;
            min = 0x10000;
            cp = b0 & 0x07;
        } else {
            return 0;
        }
        if (i + length > end) {
            return 0;
        }
        for (int k = 1; k < length; k++) {
            int b = bytes[i + k] & 0xFF;
            if ((b & 0xC0) != 0x80) {
                return 0;
            }
            cp = (cp << 6) | (b & 0x3F);
        }
        boolean valid = cp >= min && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
        return valid ? length : 0;
    }
}
