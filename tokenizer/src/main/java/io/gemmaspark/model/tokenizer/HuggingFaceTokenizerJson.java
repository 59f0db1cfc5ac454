package io.gemmaspark.model.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gemmaspark.util.UserError;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a Hugging Face {@code tokenizer.json} of the kind published with Gemma checkpoints: a BPE model with byte
 * fallback, a normaliser that replaces spaces with {@code ▁} (optionally prepending one), and added tokens that are
 * matched whole. Merge rules apply in rank order, leftmost first, as in the {@code tokenizers} library.
 */
public final class HuggingFaceTokenizerJson {
    private HuggingFaceTokenizerJson() {
    }

    public static Tokenizer parse(byte[] bytes, String source) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(bytes);
        } catch (IOException e) {
            throw new UserError(source + ": not valid JSON (" + e.getMessage() + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw new UserError(source + ": not a tokenizer.json (expected a JSON object)");
        }
        JsonNode model = root.path("model");
        if (!"BPE".equals(model.path("type").asText())) {
            throw new UserError(source + ": model.type '" + model.path("type").asText()
                    + "' is not supported; expected a BPE tokenizer");
        }
        JsonNode vocab = model.path("vocab");
        if (!vocab.isObject() || vocab.isEmpty()) {
            throw new UserError(source + ": model.vocab is missing or empty");
        }
        Map<Integer, String> byId = new HashMap<>();
        vocab.fields().forEachRemaining(e -> byId.put(e.getValue().asInt(), e.getKey()));
        Map<Integer, JsonNode> added = new HashMap<>();
        for (JsonNode token : root.path("added_tokens")) {
            int id = token.path("id").asInt();
            byId.putIfAbsent(id, token.path("content").asText());
            added.put(id, token);
        }
        int size = byId.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        if (byId.size() != size) {
            throw new UserError(source + ": token ids are not contiguous (" + byId.size() + " tokens, largest id "
                    + (size - 1) + ")");
        }
        boolean byteFallback = model.path("byte_fallback").asBoolean(false);
        String unkToken = model.path("unk_token").asText("<unk>");
        List<String[]> merges = new ArrayList<>();
        for (JsonNode merge : model.path("merges")) {
            String[] rule;
            if (merge.isArray() && merge.size() == 2) {
                rule = new String[] {merge.get(0).asText(), merge.get(1).asText()};
            } else {
                String text = merge.asText();
                int space = text.indexOf(' ');
                if (space <= 0) {
                    throw new UserError(source + ": merge " + (merges.size() + 1) + " '" + text
                            + "' is not 'left right'");
                }
                rule = new String[] {text.substring(0, space), text.substring(space + 1)};
            }
            merges.add(rule);
        }
        // A merged token's score is minus the rank of its best rule, so SentencePiece's "highest score first"
        // is the library's "lowest rank first".
        Map<String, Integer> rankOf = new HashMap<>();
        for (int rank = 0; rank < merges.size(); rank++) {
            rankOf.putIfAbsent(merges.get(rank)[0] + merges.get(rank)[1], rank);
        }
        List<Piece> pieces = new ArrayList<>(size);
        for (int id = 0; id < size; id++) {
            String text = byId.get(id);
            Integer rank = rankOf.get(text);
            float score = rank != null ? -rank : -(merges.size() + id);
            pieces.add(new Piece(text, score, typeOf(text, id, added.get(id), unkToken, byteFallback)));
        }
        Normalization normalization = normalization(root.path("normalizer"), source);
        try {
            return new Tokenizer(new TokenizerModel(pieces, normalization, byteFallback,
                    TokenizerModel.DEFAULT_UNK_SURFACE, merges));
        } catch (IllegalArgumentException e) {
            throw new UserError(source + ": " + e.getMessage(), e);
        }
    }

    private static PieceType typeOf(String text, int id, JsonNode added, String unkToken, boolean byteFallback) {
        if (text.equals(unkToken)) {
            return PieceType.UNKNOWN;
        }
        if (byteFallback && Piece.byteValue(text) >= 0) {
            return PieceType.BYTE;
        }
        if (added != null) {
            boolean special = added.path("special").asBoolean(false);
            boolean sequenceMarker = text.equals("<bos>") || text.equals("<eos>") || text.equals("<pad>")
                    || text.equals("<s>") || text.equals("</s>");
            return special && sequenceMarker ? PieceType.CONTROL : PieceType.USER_DEFINED;
        }
        return PieceType.NORMAL;
    }

    /** Gemma's normaliser: Replace(" " -> "▁"), possibly with Prepend("▁") (a dummy prefix), alone or in a Sequence. */
    private static Normalization normalization(JsonNode normalizer, String source) {
        List<JsonNode> steps = new ArrayList<>();
        if (normalizer.isMissingNode() || normalizer.isNull()) {
            return new Normalization(false, false, false);
        }
        if ("Sequence".equals(normalizer.path("type").asText())) {
            normalizer.path("normalizers").forEach(steps::add);
        } else {
            steps.add(normalizer);
        }
        boolean prepend = false;
        boolean replace = false;
        for (JsonNode step : steps) {
            String type = step.path("type").asText();
            if (type.equals("Prepend") && step.path("prepend").asText().equals("\u2581")) {
                prepend = true;
            } else if (type.equals("Replace") && step.path("pattern").path("String").asText().equals(" ")
                    && step.path("content").asText().equals("\u2581")) {
                replace = true;
            } else {
                throw new UserError(source + ": normalizer step '" + type + "' is not supported (supported: "
                        + "Replace ' ' with '\u2581', Prepend '\u2581')");
            }
        }
        return new Normalization(prepend, false, replace);
    }
}
