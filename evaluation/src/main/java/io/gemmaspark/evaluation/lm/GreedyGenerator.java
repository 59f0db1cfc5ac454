package io.gemmaspark.evaluation.lm;

import io.gemmaspark.model.TextCodec;
import io.gemmaspark.model.decoder.Kernels;
import io.gemmaspark.model.generation.Generator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Greedy decoding with string stop sequences over the KV-cache {@link Generator} session. The stop strings are
 * checked on the decoded text after every token, because a stop such as {@code "Question:"} spans several tokens.
 */
public final class GreedyGenerator {
    private final Generator generator;
    private final TextCodec codec;
    private final int maxLength;

    /** @param generator reused across batches: it owns a workspace, and one per thread is enough */
    public GreedyGenerator(Generator generator, TextCodec codec, int maxLength) {
        this.generator = generator;
        this.codec = codec;
        this.maxLength = maxLength;
    }

    /** The generated text of each request, cut before its first stop string. */
    public List<String> generate(List<GenerationRequest> batch) {
        int rows = batch.size();
        int maxNew = 0;
        int[][] prompts = new int[rows][];
        for (int r = 0; r < rows; r++) {
            maxNew = Math.max(maxNew, batch.get(r).maxNewTokens());
        }
        maxNew = Math.min(maxNew, maxLength - 1); // at least one prompt token (<bos>) must fit beside the answer
        for (int r = 0; r < rows; r++) {
            int[] p = batch.get(r).prompt();
            // Left truncation keeps the end of the prompt (the question) and leaves room for the answer.
            int keep = Math.max(1, maxLength - maxNew);
            prompts[r] = p.length > keep ? Arrays.copyOfRange(p, p.length - keep, p.length) : p;
        }
        Generator.Session session = generator.start(prompts, maxNew);
        List<List<Integer>> tokens = new ArrayList<>();
        String[] text = new String[rows];
        boolean[] done = new boolean[rows];
        for (int r = 0; r < rows; r++) {
            tokens.add(new ArrayList<>());
            text[r] = "";
        }
        int active = rows;
        for (int step = 0; step < maxNew && active > 0; step++) {
            float[][] logits = session.logits().castTo(DataType.FLOAT).toFloatMatrix();
            int[] next = new int[rows];
            for (int r = 0; r < rows; r++) {
                if (done[r]) {
                    continue;
                }
                next[r] = Kernels.argmax(logits[r]);
                if (batch.get(r).isStopId(next[r])) {
                    done[r] = true;
                    active--;
                    continue;
                }
                tokens.get(r).add(next[r]);
                text[r] = codec.decode(tokens.get(r).stream().mapToInt(Integer::intValue).toArray());
                if (stopAt(text[r], batch.get(r).until()) >= 0 || tokens.get(r).size() >= batch.get(r).maxNewTokens()) {
                    done[r] = true;
                    active--;
                }
            }
            if (active > 0 && step + 1 < maxNew) {
                session.append(next);
            }
        }
        List<String> out = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            int cut = stopAt(text[r], batch.get(r).until());
            out.add(cut >= 0 ? text[r].substring(0, cut) : text[r]);
        }
        return out;
    }

    /** Where the earliest stop string starts in {@code text}, or -1. */
    static int stopAt(String text, List<String> until) {
        int best = -1;
        for (String stop : until) {
            int at = text.indexOf(stop);
            if (at >= 0 && (best < 0 || at < best)) {
                best = at;
            }
        }
        return best;
    }
}
