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
 *
 * <p>What Gemma- and Llama-family files use is implemented: the normaliser steps Replace(" " → "▁") and
 * Prepend("▁"); no pre-tokenizer, or a Metaspace pre-tokenizer with replacement "▁" and split false (Llama and
 * Mistral files converted by recent transformers), whose prepend_scheme "first"/"always" (or add_prefix_space) is
 * the dummy prefix. Every other setting that would change the ids is refused with an error naming the field:
 * other pre-tokenizers (ByteLevel, Split, Whitespace, ...), model.continuing_subword_prefix,
 * model.end_of_word_suffix, model.dropout, model.ignore_merges, and added tokens with single_word, lstrip or
 * rstrip, or normalized with a space in them.
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
        checkModelOptions(model, source);
        JsonNode vocab = model.path("vocab");
        if (!vocab.isObject() || vocab.isEmpty()) {
            throw new UserError(source + ": model.vocab is missing or empty");
        }
        Map<Integer, String> byId = new HashMap<>();
        vocab.fields().forEachRemaining(e -> byId.put(e.getValue().asInt(), e.getKey()));
        Map<Integer, JsonNode> added = new HashMap<>();
        int index = 0;
        for (JsonNode token : root.path("added_tokens")) {
            checkAddedToken(token, index++, source);
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
        normalization = withPreTokenizer(normalization, root.path("pre_tokenizer"), source);
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

    private static boolean isSet(JsonNode node) {
        return !node.isMissingNode() && !node.isNull();
    }

    /** BPE options that change the ids and that Gemma and Llama files leave unset. */
    private static void checkModelOptions(JsonNode model, String source) {
        for (String field : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
            JsonNode value = model.path(field);
            if (isSet(value) && !value.asText().isEmpty()) {
                throw new UserError(source + ": model." + field + " '" + value.asText() + "' is not supported "
                        + "(Gemma and Llama tokenizers have none)");
            }
        }
        JsonNode dropout = model.path("dropout");
        if (isSet(dropout) && dropout.asDouble() != 0) {
            throw new UserError(source + ": model.dropout " + dropout.asText() + " is not supported (BPE dropout "
                    + "makes encoding random)");
        }
        if (model.path("ignore_merges").asBoolean(false)) {
            throw new UserError(source + ": model.ignore_merges true is not supported (byte-level BPE files such "
                    + "as Llama 3's are not implemented)");
        }
    }

    /** Added tokens are matched whole on the raw text; options that change where they match are refused. */
    private static void checkAddedToken(JsonNode token, int index, String source) {
        String where = source + ": added_tokens[" + index + "] ('" + token.path("content").asText() + "').";
        for (String flag : List.of("single_word", "lstrip", "rstrip")) {
            if (token.path(flag).asBoolean(false)) {
                throw new UserError(where + flag + " true is not supported");
            }
        }
        String content = token.path("content").asText();
        if (token.path("normalized").asBoolean(false) && (content.contains(" ") || content.contains("\u2581"))) {
            throw new UserError(where + "normalized true is not supported for a token with a space in it");
        }
    }

    /**
     * No pre-tokenizer, or Metaspace("▁", split false): spaces become "▁", and prepend_scheme first/always (or
     * add_prefix_space true) adds the dummy prefix. A Sequence of those is accepted; anything else is refused.
     */
    private static Normalization withPreTokenizer(Normalization normalization, JsonNode pre, String source) {
        if (!isSet(pre)) {
            return normalization;
        }
        List<JsonNode> steps = new ArrayList<>();
        if ("Sequence".equals(pre.path("type").asText())) {
            pre.path("pretokenizers").forEach(steps::add);
        } else {
            steps.add(pre);
        }
        Normalization result = normalization;
        for (JsonNode step : steps) {
            String type = step.path("type").asText();
            if (!type.equals("Metaspace")) {
                throw new UserError(source + ": pre_tokenizer.type '" + type + "' is not supported (supported: none, "
                        + "or Metaspace with replacement '\u2581' and split false)");
            }
            if (!step.path("replacement").asText("\u2581").equals("\u2581")) {
                throw new UserError(source + ": pre_tokenizer Metaspace replacement '"
                        + step.path("replacement").asText() + "' is not supported (only '\u2581')");
            }
            if (step.path("split").asBoolean(true)) {
                throw new UserError(source + ": pre_tokenizer Metaspace split true is not supported (it splits the "
                        + "text into words before the merges; only split false is implemented)");
            }
            String scheme = step.path("prepend_scheme").asText(
                    step.path("add_prefix_space").asBoolean(true) ? "always" : "never");
            boolean prepend = switch (scheme) {
                case "first", "always" -> true;
                case "never" -> false;
                default -> throw new UserError(source + ": pre_tokenizer Metaspace prepend_scheme '" + scheme
                        + "' is not supported (first, always or never)");
            };
            result = new Normalization(result.addDummyPrefix() || prepend, result.removeExtraWhitespaces(), true);
        }
        return result;
    }
}
