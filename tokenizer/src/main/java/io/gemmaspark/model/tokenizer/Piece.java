package io.gemmaspark.model.tokenizer;

/** One vocabulary entry: its text (spaces shown as {@code ▁}), its merge score (higher merges first) and kind. */
public record Piece(String text, float score, PieceType type) {
    public Piece {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("a piece must not be empty");
        }
    }

    /** {@code <0xNN>} for byte {@code b}, as SentencePiece spells byte pieces. */
    public static String byteText(int b) {
        return String.format("<0x%02X>", b & 0xFF);
    }

    /** The byte a {@code <0xNN>} piece stands for, or -1 when the text is not a byte piece. */
    public static int byteValue(String text) {
        if (text.length() != 6 || !text.startsWith("<0x") || text.charAt(5) != '>') {
            return -1;
        }
        int hi = Character.digit(text.charAt(3), 16);
        int lo = Character.digit(text.charAt(4), 16);
        if (hi < 0 || lo < 0 || Character.isLowerCase(text.charAt(3)) || Character.isLowerCase(text.charAt(4))) {
            return -1;
        }
        return hi * 16 + lo;
    }
}
