package io.gemmaspark.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gemmaspark.util.UserError;
import java.nio.file.Files;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The tokenizer.json loader implements what Gemma and Llama files use and names every field it cannot honour. */
class HuggingFaceTokenizerJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Tokenizer load(Consumer<ObjectNode> edit) throws Exception {
        ObjectNode root = (ObjectNode) JSON.readTree(Files.readAllBytes(SpmTools.resource("tiny-gemma-tokenizer.json")));
        edit.accept(root);
        return HuggingFaceTokenizerJson.parse(JSON.writeValueAsBytes(root), "t.json");
    }

    private static String error(Consumer<ObjectNode> edit) {
        return assertThrows(UserError.class, () -> load(edit)).getMessage();
    }

    @Test
    void metaspaceWithoutSplitIsTheSameAsTheReplaceNormalizer() throws Exception {
        Tokenizer gemma = load(root -> { });
        // Llama/Mistral-style: no normalizer, Metaspace pre-tokenizer; prepend_scheme never = no dummy prefix
        Tokenizer never = load(root -> {
            root.putNull("normalizer");
            root.set("pre_tokenizer", JSON.createObjectNode().put("type", "Metaspace").put("replacement", "\u2581")
                    .put("prepend_scheme", "never").put("split", false));
        });
        Tokenizer first = load(root -> {
            root.putNull("normalizer");
            root.set("pre_tokenizer", JSON.createObjectNode().put("type", "Metaspace").put("replacement", "\u2581")
                    .put("prepend_scheme", "first").put("split", false));
        });
        for (String text : new String[] {"the and", "  the and", "héllo the"}) {
            assertArrayEquals(gemma.encode(text), never.encode(text), text);
            // "first" puts one "▁" in front, as Gemma's Prepend normaliser does
            assertArrayEquals(gemma.encode(" " + text), first.encode(text), text);
        }
    }

    @Test
    void unsupportedPreTokenizersAreNamed() {
        assertEquals("t.json: pre_tokenizer.type 'ByteLevel' is not supported (supported: none, or Metaspace with "
                + "replacement '\u2581' and split false)", error(root -> root.set("pre_tokenizer",
                JSON.createObjectNode().put("type", "ByteLevel"))));
        assertEquals("t.json: pre_tokenizer Metaspace split true is not supported (it splits the text into words "
                + "before the merges; only split false is implemented)", error(root -> root.set("pre_tokenizer",
                JSON.createObjectNode().put("type", "Metaspace").put("replacement", "\u2581"))));
    }

    @Test
    void unsupportedModelOptionsAreNamed() {
        assertEquals("t.json: model.continuing_subword_prefix '##' is not supported (Gemma and Llama tokenizers "
                + "have none)", error(root -> ((ObjectNode) root.get("model")).put("continuing_subword_prefix", "##")));
        assertEquals("t.json: model.end_of_word_suffix '</w>' is not supported (Gemma and Llama tokenizers have "
                + "none)", error(root -> ((ObjectNode) root.get("model")).put("end_of_word_suffix", "</w>")));
        assertEquals("t.json: model.dropout 0.1 is not supported (BPE dropout makes encoding random)",
                error(root -> ((ObjectNode) root.get("model")).put("dropout", 0.1)));
        assertEquals("t.json: model.ignore_merges true is not supported (byte-level BPE files such as Llama 3's are "
                + "not implemented)", error(root -> ((ObjectNode) root.get("model")).put("ignore_merges", true)));
    }

    @Test
    void addedTokenFlagsThatMoveMatchesAreNamed() {
        assertEquals("t.json: added_tokens[1] ('<eos>').lstrip true is not supported",
                error(root -> ((ObjectNode) root.get("added_tokens").get(1)).put("lstrip", true)));
        assertEquals("t.json: added_tokens[0] ('<pad>').single_word true is not supported",
                error(root -> ((ObjectNode) root.get("added_tokens").get(0)).put("single_word", true)));
        assertEquals("t.json: added_tokens[2] ('a b').normalized true is not supported for a token with a space in "
                + "it", error(root -> ((ObjectNode) root.get("added_tokens").get(2)).put("content", "a b")
                .put("normalized", true)));
    }
}
