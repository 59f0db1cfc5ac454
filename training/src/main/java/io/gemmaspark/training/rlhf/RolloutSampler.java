package io.gemmaspark.training.rlhf;

import io.gemmaspark.model.chat.ChatTemplate;
import io.gemmaspark.model.decoder.GemmaDecoder;
import io.gemmaspark.model.generation.GenerationOptions;
import io.gemmaspark.model.generation.Generator;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An executor's share of a round: for each prompt of its partition, {@code k} replies sampled together in one
 * KV-cache batch from the broadcast policy, scored by the reward model, with per-token log-probabilities under
 * the policy and the frozen reference (none for evaluation: the reference log-probs are then the policy's).
 * Sample {@code j} of prompt {@code id} in round {@code r} is drawn from its
 * own seed, a function of (run seed, r, id, j) only, so a run does not depend on how prompts were partitioned
 * beyond the batch arithmetic itself (same seed and same workers: same run).
 */
final class RolloutSampler implements FlatMapFunction<Iterator<RlhfPrompt>, Rollout> {
    private static final long serialVersionUID = 1L;
    private final Broadcast<ShippedModel> policy;
    private final Broadcast<ShippedModel> reference;
    private final Broadcast<ShippedModel> rewardModel;
    private final Sampling sampling;
    private final long round;

    /**
     * How replies are drawn.
     *
     * @param k            samples per prompt
     * @param temperature  0 for greedy replies
     * @param stopIds      {@code <end_of_turn>} and {@code <eos>}
     * @param endOfTurn    appended to a reply that stopped, as the chat template closes a model turn
     * @param newline      the {@code \n} after it: the reward model was trained on whole turns
     */
    record Sampling(int k, double temperature, int maxCompletionTokens, long seed, int[] stopIds, int endOfTurn,
            int[] newline) implements java.io.Serializable {

        /** One greedy reply per prompt (evaluation). */
        static Sampling greedy(int maxCompletionTokens, ChatTemplate template, int[] newline) {
            return new Sampling(1, 0, maxCompletionTokens, 0, new int[] {template.endOfTurnId(), GenerationOptions.EOS},
                    template.endOfTurnId(), newline);
        }
    }

    RolloutSampler(Broadcast<ShippedModel> policy, Broadcast<ShippedModel> reference,
            Broadcast<ShippedModel> rewardModel, Sampling sampling, long round) {
        this.policy = policy;
        this.reference = reference;
        this.rewardModel = rewardModel;
        this.sampling = sampling;
        this.round = round;
    }

    @Override
    public Iterator<Rollout> call(Iterator<RlhfPrompt> partition) {
        List<RlhfPrompt> prompts = new ArrayList<>();
        partition.forEachRemaining(prompts::add);
        if (prompts.isEmpty()) {
            return List.<Rollout>of().iterator();
        }
        GemmaDecoder pi = GemmaDecoder.of(policy.value().graph());
        GemmaDecoder ref = reference == null ? null : GemmaDecoder.of(reference.value().graph());
        int k = sampling.k();
        int[][] rows = new int[prompts.size() * k][];
        long[] seeds = new long[rows.length];
        for (int p = 0; p < prompts.size(); p++) {
            for (int j = 0; j < k; j++) {
                rows[p * k + j] = prompts.get(p).tokens;
                seeds[p * k + j] = sampleSeed(sampling.seed(), round, prompts.get(p).id, j);
            }
        }
        int[][] replies = new Generator(pi).generate(rows, new GenerationOptions(sampling.maxCompletionTokens(),
                sampling.temperature(), 0, 1, 0, sampling.stopIds()), seeds);
        List<int[]> sequences = new ArrayList<>();
        List<int[]> scored = new ArrayList<>();
        for (int i = 0; i < rows.length; i++) {
            boolean ended = replies[i].length < sampling.maxCompletionTokens();
            int[] sequence = ended ? concat(rows[i], replies[i], new int[] {sampling.endOfTurn()})
                    : concat(rows[i], replies[i]);
            sequences.add(sequence);
            scored.add(ended ? concat(sequence, sampling.newline()) : sequence);
        }
        double[] rewards = rewards(rewardModel.value().graph(), scored);
        List<Rollout> out = new ArrayList<>();
        for (int i = 0; i < rows.length; i++) {
            int promptLength = rows[i].length;
            double[][] policyScores = PolicySamples.score(pi, sequences.get(i), promptLength);
            double[] referenceLogProbs = ref == null ? policyScores[0]
                    : PolicySamples.score(ref, sequences.get(i), promptLength)[0];
            double entropy = 0;
            for (double h : policyScores[1]) {
                entropy += h / policyScores[1].length;
            }
            out.add(new Rollout(prompts.get(i / k).id, i % k, sequences.get(i), promptLength,
                    replies[i].length < sampling.maxCompletionTokens(), rewards[i], policyScores[0],
                    referenceLogProbs, entropy));
        }
        return out.iterator();
    }

    /** A well-mixed seed per (run, round, prompt, sample) (SplitMix64's finaliser over their combination). */
    static long sampleSeed(long seed, long round, int promptId, int sample) {
        long z = seed * 0x9E3779B97F4A7C15L + round * 0xBF58476D1CE4E5B9L + promptId * 0x94D049BB133111EBL + sample;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Rewards of sequences, right-padded with {@code <pad>} (id 0) to the longest; read at the last real token. */
    static double[] rewards(ComputationGraph rewardModel, List<int[]> sequences) {
        int longest = sequences.stream().mapToInt(a -> a.length).max().orElse(1);
        float[][] ids = new float[sequences.size()][longest];
        for (int i = 0; i < ids.length; i++) {
            for (int t = 0; t < sequences.get(i).length; t++) {
                ids[i][t] = sequences.get(i)[t];
            }
        }
        INDArray r = rewardModel.outputSingle(false, Nd4j.createFromArray(ids));
        return r.reshape('c', new long[] {r.length()}).toDoubleVector();
    }

    static int[] concat(int[]... parts) {
        int n = 0;
        for (int[] p : parts) {
            n += p.length;
        }
        int[] out = new int[n];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
