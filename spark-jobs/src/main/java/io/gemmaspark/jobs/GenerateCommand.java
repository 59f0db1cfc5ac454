package io.gemmaspark.jobs;

import io.gemmaspark.model.TextCodec;
import io.gemmaspark.model.chat.ChatFormatException;
import io.gemmaspark.model.chat.ChatTemplate;
import io.gemmaspark.model.generation.GenerationOptions;
import io.gemmaspark.model.generation.Generator;
import io.gemmaspark.util.UserError;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Text generation from a checkpoint with the KV cache; {@code --chat} wraps the prompt in the Gemma chat template. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate text from a checkpoint with a KV cache (greedy, temperature, top-k, top-p).")
public final class GenerateCommand implements Callable<Integer> {

    @Mixin
    CommonOptions common;

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "HF model directory, native checkpoint, or checkpoint store (its latest valid checkpoint).")
    String model;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "Prompt text (needs the model's tokenizer).")
    String prompt;

    @Option(names = "--ids", paramLabel = "IDS",
            description = "Prompt as comma-separated token ids instead of text (BOS is not added).")
    String ids;

    @Option(names = "--chat", description = "Apply the Gemma chat template to --prompt and stop at <end_of_turn>.")
    boolean chat;

    @Option(names = "--max-new-tokens", defaultValue = "64", description = "Most tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "Sample among the K most likely tokens; 0 = all.")
    int topK;

    @Option(names = "--top-p", defaultValue = "1", description = "Nucleus sampling mass; 1 = off.")
    double topP;

    @Option(names = "--seed", defaultValue = "0", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    long seed;

    /**
     * BOS, then the prompt's tokens; with {@code chat}, the prompt as one user turn in the Gemma chat template
     * ({@link ChatTemplate}, the implementation fine-tuning uses), ending with {@code <start_of_turn>model\n}.
     */
    static int[] promptIds(TextCodec codec, int bosId, String prompt, boolean chat) {
        if (chat) {
            try {
                return new ChatTemplate(codec, bosId).encodePrompt(prompt);
            } catch (ChatFormatException e) {
                throw new UserError("generate --chat: " + e.getMessage());
            }
        }
        int[] text = codec.encode(prompt);
        int[] ids = new int[text.length + 1];
        ids[0] = bosId;
        System.arraycopy(text, 0, ids, 1, text.length);
        return ids;
    }

    /** Where a model's turn ends: config.json's eos, and the tokenizer's {@code <end_of_turn>} when it has one. */
    public static int[] stopIds(ModelSession session) {
        Set<Integer> stops = new LinkedHashSet<>();
        stops.add(session.config.eosTokenId());
        session.codec.ifPresent(codec -> codec.pieceId(ChatTemplate.END_OF_TURN).ifPresent(stops::add));
        return stops.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public Integer call() {
        if ((prompt == null) == (ids == null)) {
            throw new UserError("generate: give exactly one of --prompt TEXT or --ids IDS");
        }
        if (chat && prompt == null) {
            throw new UserError("generate: --chat applies the template to --prompt text, not to --ids");
        }
        if (maxNewTokens < 1 || temperature < 0 || topK < 0 || topP <= 0 || topP > 1) {
            throw new UserError("generate: need --max-new-tokens >= 1, --temperature >= 0, --top-k >= 0, 0 < --top-p <= 1");
        }
        ModelSession session = ModelSession.open(model);
        int[] promptIds;
        if (prompt != null) {
            promptIds = promptIds(session.requireCodec("--prompt"), session.config.bosTokenId(), prompt, chat);
        } else {
            promptIds = session.parseIds(ids, "--ids");
        }
        int room = session.config.model().maxPositionEmbeddings() - promptIds.length;
        if (room < 1) {
            throw new UserError("generate: the prompt is " + promptIds.length + " tokens, leaving no room in the "
                    + session.config.model().maxPositionEmbeddings() + "-token context");
        }
        int[] stops = stopIds(session);
        GenerationOptions options = new GenerationOptions(Math.min(maxNewTokens, room), temperature, topK, topP, seed,
                stops);

        long start = System.nanoTime();
        int[] generated = new Generator(session.decoder).generate(new int[][] {promptIds}, options)[0];
        double seconds = (System.nanoTime() - start) / 1e9;

        if (session.codec.isPresent()) {
            System.out.println(session.codec.get().decode(generated));
        } else {
            System.out.println(Arrays.stream(generated).mapToObj(Integer::toString).collect(Collectors.joining(",")));
        }
        System.err.println("generate  " + session.describe());
        System.err.printf(Locale.ROOT, "  prompt %d tokens, generated %d in %.2f s (%.1f tokens/s), %s%n",
                promptIds.length, generated.length, seconds, generated.length / Math.max(seconds, 1e-9),
                temperature == 0 ? "greedy" : String.format(Locale.ROOT, "temperature %.2f top-k %d top-p %.2f seed %d",
                        temperature, topK, topP, seed));
        System.err.println("  stop ids " + Arrays.toString(stops) + (session.codec.isPresent() ? "" : "; output shown as token ids (no tokenizer)"));
        return 0;
    }
}
