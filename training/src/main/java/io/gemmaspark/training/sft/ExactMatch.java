package io.gemmaspark.training.sft;

import io.gemmaspark.model.chat.ChatTemplate;
import io.gemmaspark.model.decoder.GemmaDecoder;
import io.gemmaspark.model.generation.GenerationOptions;
import io.gemmaspark.model.generation.Generator;
import io.gemmaspark.model.TextCodec;
import java.util.ArrayList;
import java.util.List;

/**
 * Greedy-generation exact match on held-out conversations: the model is prompted with every turn before the last
 * model reply (ending with {@code <start_of_turn>model\n}), generates until {@code <end_of_turn>} (or
 * {@code <eos>}, or the token budget), and scores 1 when the decoded reply, trimmed, equals the reference.
 */
public final class ExactMatch {
    private static final int BATCH = 16;

    /** The score and a few replies to show. */
    public record Result(double share, int matched, int total, List<String> samples) {
    }

    private ExactMatch() {
    }

    public static Result measure(GemmaDecoder decoder, ChatTemplate template, TextCodec codec,
            List<SftExample> examples, int maxNewTokens) {
        int room = decoder.config().maxPositionEmbeddings();
        GenerationOptions greedy = new GenerationOptions(maxNewTokens, 0, 0, 1, 0,
                new int[] {template.endOfTurnId(), GenerationOptions.EOS});
        Generator generator = new Generator(decoder);
        int matched = 0;
        List<String> samples = new ArrayList<>();
        for (int from = 0; from < examples.size(); from += BATCH) {
            List<SftExample> batch = examples.subList(from, Math.min(examples.size(), from + BATCH));
            int[][] prompts = new int[batch.size()][];
            int longest = 0;
            for (int i = 0; i < prompts.length; i++) {
                prompts[i] = template.encodePrompt(batch.get(i).prompt());
                longest = Math.max(longest, prompts[i].length);
            }
            GenerationOptions options = longest + maxNewTokens <= room ? greedy
                    : new GenerationOptions(Math.max(1, room - longest), 0, 0, 1, 0, greedy.stopIds());
            int[][] replies = generator.generate(prompts, options);
            for (int i = 0; i < replies.length; i++) {
                String reply = codec.decode(replies[i]).trim();
                boolean same = reply.equals(batch.get(i).reference());
                matched += same ? 1 : 0;
                if (samples.size() < 5) {
                    samples.add((same ? "[=] " : "[x] ") + batch.get(i).prompt().get(batch.get(i).prompt().size() - 1)
                            .content() + " -> " + reply);
                }
            }
        }
        return new Result(examples.isEmpty() ? 0 : (double) matched / examples.size(), matched, examples.size(), samples);
    }
}
