package io.gemmaspark.model.chat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gemmaspark.model.TextCodec;
import io.gemmaspark.model.tokenizer.BpeTrainer;
import io.gemmaspark.model.tokenizer.Tokenizer;
import io.gemmaspark.model.tokenizer.TokenizerTrainingConfig;
import io.gemmaspark.model.tokenizer.TrainingText;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class ChatTemplateTest {
    private static final int BOS = 2;

    /**
     * One token per character (id = 1000 + char), the markers as single ids: the expected mask then follows from
     * character positions in the rendered text, found by string search independently of the template code.
     */
    static final class CharCodec implements TextCodec {
        static final Map<String, Integer> SPECIAL = Map.of("<pad>", 0, "<eos>", 1, "<bos>", 2,
                "<start_of_turn>", 106, "<end_of_turn>", 107);

        @Override
        public int[] encode(String text) {
            List<Integer> ids = new ArrayList<>();
            for (int i = 0; i < text.length(); ) {
                boolean special = false;
                for (Map.Entry<String, Integer> e : SPECIAL.entrySet()) {
                    if (text.startsWith(e.getKey(), i)) {
                        ids.add(e.getValue());
                        i += e.getKey().length();
                        special = true;
                        break;
                    }
                }
                if (!special) {
                    ids.add(1000 + text.charAt(i++));
                }
            }
            return ids.stream().mapToInt(Integer::intValue).toArray();
        }

        @Override
        public String decode(int[] ids) {
            throw new UnsupportedOperationException();
        }

        @Override
        public OptionalInt pieceId(String piece) {
            Integer id = SPECIAL.get(piece);
            return id == null ? OptionalInt.empty() : OptionalInt.of(id);
        }
    }

    @Test
    void rendersGemmasTemplateExactly() {
        String text = ChatTemplate.render(List.of(new ChatMessage("user", "  Hi there \n"),
                new ChatMessage("assistant", "Hello!"), new ChatMessage("user", "2+2?")), true);
        assertEquals("<bos><start_of_turn>user\nHi there<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n"
                + "<start_of_turn>user\n2+2?<end_of_turn>\n<start_of_turn>model\n", text);
    }

    @Test
    void systemMessageIsFoldedIntoTheFirstUserTurn() {
        assertEquals("<bos><start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\nHey<end_of_turn>\n",
                ChatTemplate.render(List.of(new ChatMessage("system", " Be brief. "), ChatMessage.user("Hi"),
                        ChatMessage.model("Hey")), false));
    }

    @Test
    void badConversationsAreRejectedWithAReason() {
        assertEquals("wrong_role_order", reason(List.of(ChatMessage.model("a"), ChatMessage.user("b"))));
        assertEquals("wrong_role_order", reason(List.of(ChatMessage.user("a"), ChatMessage.user("b"))));
        assertEquals("wrong_role_order", reason(List.of(ChatMessage.user("a"), new ChatMessage("system", "s"))));
        assertEquals("unknown_role", reason(List.of(new ChatMessage("tool", "a"))));
        assertEquals("empty_content", reason(List.of(ChatMessage.user("a"), ChatMessage.model("  "))));
        ChatTemplate template = new ChatTemplate(new CharCodec(), BOS);
        ChatFormatException e = assertThrows(ChatFormatException.class,
                () -> template.encodeForTraining(List.of(ChatMessage.user("a"))));
        assertEquals("no_final_model_turn", e.reason());
    }

    private static String reason(List<ChatMessage> messages) {
        return assertThrows(ChatFormatException.class, () -> ChatTemplate.normalize(messages)).reason();
    }

    @Test
    void maskCoversExactlyModelContentAndItsEndOfTurnNewlineOnMultiTurnConversations() {
        List<ChatMessage> conversation = List.of(ChatMessage.user("What is 2+3?"), ChatMessage.model(" 5 "),
                ChatMessage.user("And 4+4?"), new ChatMessage("assistant", "8, since 4+4=8."),
                ChatMessage.user("Thanks"), ChatMessage.model("You're welcome."));
        ChatTokens tokens = new ChatTemplate(new CharCodec(), BOS).encodeForTraining(conversation);

        // Expected, independently: walk the rendered text with the char codec's rules and mark the character
        // ranges [start of model content, end of the "<end_of_turn>\n" that follows it).
        String text = ChatTemplate.render(conversation, false).substring("<bos>".length());
        List<Integer> expectedIds = new ArrayList<>(List.of(BOS));
        List<Boolean> expectedMask = new ArrayList<>(List.of(false));
        String modelHeader = "<start_of_turn>model\n";
        int pos = 0;
        boolean inModel = false;
        while (pos < text.length()) {
            if (text.startsWith(modelHeader, pos)) {
                for (int id : new CharCodec().encode(modelHeader)) {
                    expectedIds.add(id);
                    expectedMask.add(false);
                }
                pos += modelHeader.length();
                inModel = true;
            } else if (text.startsWith("<end_of_turn>\n", pos)) {
                expectedIds.add(107);
                expectedIds.add(1000 + '\n');
                expectedMask.add(inModel);
                expectedMask.add(inModel);
                pos += "<end_of_turn>\n".length();
                inModel = false;
            } else if (text.startsWith("<start_of_turn>", pos)) {
                expectedIds.add(106);
                expectedMask.add(false);
                pos += "<start_of_turn>".length();
            } else {
                expectedIds.add(1000 + text.charAt(pos++));
                expectedMask.add(inModel);
            }
        }
        assertArrayEquals(expectedIds.stream().mapToInt(Integer::intValue).toArray(), tokens.ids());
        boolean[] mask = new boolean[expectedMask.size()];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = expectedMask.get(i);
        }
        assertArrayEquals(mask, tokens.trained());
        // Hand count: "5" + 2, "8, since 4+4=8." (15) + 2, "You're welcome." (15) + 2.
        assertEquals(3 + 17 + 17, tokens.trainedCount());
    }

    @Test
    void generationPromptEndsWithTheModelHeader() {
        int[] ids = new ChatTemplate(new CharCodec(), BOS).encodePrompt("Hi");
        assertArrayEquals(new CharCodec().encode("<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n"),
                ids);
    }

    @Test
    void segmentEncodingEqualsWholeStringEncodingWithATrainedTokenizer() {
        TokenizerTrainingConfig config = TokenizerTrainingConfig.gemma(600);
        TrainingText text = new TrainingText(config);
        Map<String, Long> counts = new HashMap<>();
        List<String> corpus = List.of("What is 12 plus 30? The answer is 42.", "Reply with one word: yes or no.",
                "Sure, here is a list:\n- apples\n- pears", "I can't help with that request.");
        for (int i = 0; i < 50; i++) {
            for (String line : corpus) {
                text.words(line, w -> counts.merge(w, 1L, Long::sum));
            }
        }
        Tokenizer tokenizer = new BpeTrainer(config).train(counts).tokenizer();
        ChatTemplate template = new ChatTemplate(tokenizer, tokenizer.bosId());
        List<ChatMessage> conversation = List.of(ChatMessage.user("What is 12 plus 30?"),
                ChatMessage.model("The answer is 42."), ChatMessage.user("Reply with one word: yes or no."),
                ChatMessage.model("yes"));
        int[] whole = tokenizer.encode(ChatTemplate.render(conversation, false).substring("<bos>".length()));
        int[] expected = new int[whole.length + 1];
        expected[0] = tokenizer.bosId();
        System.arraycopy(whole, 0, expected, 1, whole.length);
        assertArrayEquals(expected, template.encodeForTraining(conversation).ids());

        // Where the whole string would merge across the boundary ("\n-" is a piece here), the header keeps its
        // "\n" and the content starts a fresh token, exactly as at generation time, where the prompt ends with
        // "<start_of_turn>model\n" and the model produces the content as new tokens.
        List<ChatMessage> list = List.of(ChatMessage.user("List two fruits."), ChatMessage.model("- apples\n- pears"));
        int[] prompt = template.encodePrompt(List.of(list.get(0)));
        int[] content = tokenizer.encode("- apples\n- pears<end_of_turn>\n");
        int[] concatenated = java.util.Arrays.copyOf(prompt, prompt.length + content.length);
        System.arraycopy(content, 0, concatenated, prompt.length, content.length);
        assertArrayEquals(concatenated, template.encodeForTraining(list).ids());
        assertEquals(tokenizer.padId(), template.padId());
    }
}
