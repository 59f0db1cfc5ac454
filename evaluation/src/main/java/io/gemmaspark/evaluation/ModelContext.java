package io.gemmaspark.evaluation;

import io.gemmaspark.evaluation.lm.ContinuationEncoder;
import io.gemmaspark.evaluation.lm.ModelFiles;
import io.gemmaspark.evaluation.lm.RequestBackend;
import io.gemmaspark.model.TextCodec;
import java.util.ArrayList;
import java.util.List;

/** Everything a task needs about the model under evaluation: how to tokenize, prompt, stop, and run requests. */
public final class ModelContext {
    /** Gemma's instruction-tuned turn format; the model's turn is left open for the answer. */
    public static final String CHAT_TEMPLATE = "<start_of_turn>user\n%s<end_of_turn>\n<start_of_turn>model\n";
    public static final String END_OF_TURN = "<end_of_turn>";
    /** lm-eval's stop sequences for generative tasks. */
    public static final List<String> STOP_SEQUENCES = List.of("Question:", "</s>", "<|im_end|>");

    private final ModelFiles files;
    private final TextCodec codec;
    private final ContinuationEncoder encoder;
    private final RequestBackend backend;
    private final EvaluationSettings settings;

    public ModelContext(ModelFiles files, TextCodec codec, RequestBackend backend, EvaluationSettings settings) {
        this.files = files;
        this.codec = codec;
        this.encoder = new ContinuationEncoder(codec, files.bosId());
        this.backend = backend;
        this.settings = settings;
    }

    public ModelFiles files() {
        return files;
    }

    public TextCodec codec() {
        return codec;
    }

    public ContinuationEncoder encoder() {
        return encoder;
    }

    public RequestBackend backend() {
        return backend;
    }

    public EvaluationSettings settings() {
        return settings;
    }

    /** The prompt as the model sees it: wrapped in the chat template under {@code --chat}. */
    public String prompt(String text) {
        return settings.chat() ? String.format(CHAT_TEMPLATE, text) : text;
    }

    public List<String> stopSequences() {
        List<String> stops = new ArrayList<>(STOP_SEQUENCES);
        if (settings.chat()) {
            stops.add(END_OF_TURN);
        }
        return stops;
    }

    /** {@code <eos>}, and {@code <end_of_turn>} for chat checkpoints. */
    public int[] stopIds() {
        int endOfTurn = settings.chat() ? codec.pieceId(END_OF_TURN).orElse(-1) : -1;
        return endOfTurn >= 0 ? new int[] {files.eosId(), endOfTurn} : new int[] {files.eosId()};
    }
}
