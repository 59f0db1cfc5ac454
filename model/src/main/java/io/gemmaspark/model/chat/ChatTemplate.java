package io.gemmaspark.model.chat;

import io.gemmaspark.model.TextCodec;
import java.util.ArrayList;
import java.util.List;

/**
 * Gemma's chat template, the single implementation used by {@code generate --chat} and by fine-tuning.
 *
 * <p>Exactly the Jinja template of Gemma's {@code tokenizer_config.json}: {@code <bos>}, then per turn
 * {@code <start_of_turn>{role}\n{content, trimmed}<end_of_turn>\n}, roles alternating and starting with
 * {@code user}; {@code assistant} is read as {@code model}. A prompt for generation ends with
 * {@code <start_of_turn>model\n}.
 *
 * <p><b>System role:</b> Gemma 1's template raises an error on it; we follow Gemma 3's policy instead and fold a
 * leading system message into the first user turn as {@code system + "\n\n" + user}. A system message anywhere
 * but first is a {@code wrong_role_order} error.
 *
 * <p><b>Tokenization.</b> The text is encoded segment by segment: {@code <start_of_turn>{role}\n} and
 * {@code {content}<end_of_turn>\n}. The markers are user-defined pieces that the tokenizer never merges with
 * their neighbours, so this equals encoding the whole rendered string except where a piece would span the
 * {@code \n} after the role and the content's first characters (such as {@code "\n-"}). There the segments win on
 * purpose: at generation time the prompt ends with {@code <start_of_turn>model\n} and the model produces its
 * content as new tokens, so training must see that same boundary; it also keeps every token on one side of the
 * loss mask.
 */
public final class ChatTemplate {
    public static final String USER = "user";
    public static final String MODEL = "model";
    public static final String SYSTEM = "system";
    public static final String ASSISTANT = "assistant";
    public static final String START_OF_TURN = "<start_of_turn>";
    public static final String END_OF_TURN = "<end_of_turn>";
    public static final String PAD = "<pad>";

    private final TextCodec codec;
    private final int bosId;

    public ChatTemplate(TextCodec codec, int bosId) {
        this.codec = codec;
        this.bosId = bosId;
    }

    /** The id of {@code <end_of_turn>}, where chat generation stops. */
    public int endOfTurnId() {
        return requirePiece(codec, END_OF_TURN);
    }

    /** The id of {@code <pad>}: padding is never {@code <eos>}, so a padding mask cannot hide a real end token. */
    public int padId() {
        return requirePiece(codec, PAD);
    }

    /**
     * Roles normalised ({@code assistant} to {@code model}, a leading system message folded into the first user
     * turn) and checked: non-empty content, known roles, alternation starting with {@code user}.
     *
     * @throws ChatFormatException with reason {@code unknown_role}, {@code empty_content} or {@code wrong_role_order}
     */
    public static List<ChatMessage> normalize(List<ChatMessage> messages) {
        if (messages == null || messages.isEmpty()) {
            throw new ChatFormatException("empty_conversation", "no messages");
        }
        List<ChatMessage> turns = new ArrayList<>();
        String system = null;
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage m = messages.get(i);
            String role = m.role() == null ? "" : m.role().trim();
            if (role.equals(ASSISTANT)) {
                role = MODEL;
            }
            if (!role.equals(USER) && !role.equals(MODEL) && !role.equals(SYSTEM)) {
                throw new ChatFormatException("unknown_role", "message " + (i + 1) + ": unknown role '" + m.role()
                        + "' (expected user, model, assistant or system)");
            }
            if (m.content() == null || m.content().trim().isEmpty()) {
                throw new ChatFormatException("empty_content", "message " + (i + 1) + " (" + role + ") is empty");
            }
            if (role.equals(SYSTEM)) {
                if (i != 0) {
                    throw new ChatFormatException("wrong_role_order", "message " + (i + 1)
                            + ": a system message may only come first");
                }
                system = m.content().trim();
                continue;
            }
            String expected = turns.size() % 2 == 0 ? USER : MODEL;
            if (!role.equals(expected)) {
                throw new ChatFormatException("wrong_role_order", "message " + (i + 1) + " is " + role
                        + ", expected " + expected + " (roles alternate, starting with user)");
            }
            String content = m.content().trim();
            if (system != null && turns.isEmpty()) {
                content = system + "\n\n" + content;
            }
            turns.add(new ChatMessage(role, content));
        }
        if (turns.isEmpty()) {
            throw new ChatFormatException("wrong_role_order", "a system message without a user turn");
        }
        return turns;
    }

    /** The rendered text (with {@code <bos>} written out), for display and documentation. */
    public static String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        StringBuilder text = new StringBuilder("<bos>");
        for (ChatMessage turn : normalize(messages)) {
            text.append(START_OF_TURN).append(turn.role()).append('\n').append(turn.content()).append(END_OF_TURN)
                    .append('\n');
        }
        if (addGenerationPrompt) {
            text.append(START_OF_TURN).append(MODEL).append('\n');
        }
        return text.toString();
    }

    /**
     * A conversation for training: ids and the mask of model-turn tokens. It must end with a model turn.
     *
     * @throws ChatFormatException also with reason {@code no_final_model_turn}
     */
    public ChatTokens encodeForTraining(List<ChatMessage> messages) {
        List<ChatMessage> turns = normalize(messages);
        if (!turns.get(turns.size() - 1).role().equals(MODEL)) {
            throw new ChatFormatException("no_final_model_turn", "the conversation ends with a user turn; "
                    + "there is nothing to learn from its last message");
        }
        return encode(turns, false);
    }

    /**
     * A prompt for generation: the conversation so far (ending with a user turn) then {@code <start_of_turn>model\n}.
     */
    public int[] encodePrompt(List<ChatMessage> messages) {
        List<ChatMessage> turns = normalize(messages);
        if (!turns.get(turns.size() - 1).role().equals(USER)) {
            throw new ChatFormatException("wrong_role_order", "a generation prompt must end with a user turn");
        }
        return encode(turns, true).ids();
    }

    /** {@link #encodePrompt} of one user message. */
    public int[] encodePrompt(String user) {
        return encodePrompt(List.of(ChatMessage.user(user)));
    }

    private ChatTokens encode(List<ChatMessage> turns, boolean addGenerationPrompt) {
        Builder out = new Builder();
        out.add(new int[] {bosId}, false);
        for (ChatMessage turn : turns) {
            out.add(codec.encode(START_OF_TURN + turn.role() + "\n"), false);
            out.add(codec.encode(turn.content() + END_OF_TURN + "\n"), turn.role().equals(MODEL));
        }
        if (addGenerationPrompt) {
            out.add(codec.encode(START_OF_TURN + MODEL + "\n"), false);
        }
        return out.build();
    }

    private static int requirePiece(TextCodec codec, String piece) {
        return codec.pieceId(piece).orElseThrow(() -> new IllegalArgumentException(
                "the tokenizer has no " + piece + " piece; the Gemma chat template needs it"));
    }

    /** Accumulates segments of ids with one mask value each. */
    private static final class Builder {
        private int[] ids = new int[64];
        private boolean[] trained = new boolean[64];
        private int size;

        void add(int[] segment, boolean train) {
            while (size + segment.length > ids.length) {
                ids = java.util.Arrays.copyOf(ids, ids.length * 2);
                trained = java.util.Arrays.copyOf(trained, trained.length * 2);
            }
            System.arraycopy(segment, 0, ids, size, segment.length);
            java.util.Arrays.fill(trained, size, size + segment.length, train);
            size += segment.length;
        }

        ChatTokens build() {
            return new ChatTokens(java.util.Arrays.copyOf(ids, size), java.util.Arrays.copyOf(trained, size));
        }
    }
}
