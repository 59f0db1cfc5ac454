package io.gemmaspark.training.rlhf;

import com.fasterxml.jackson.databind.JsonNode;
import io.gemmaspark.model.chat.ChatTemplate;
import io.gemmaspark.model.decoder.GemmaDecoder;
import io.gemmaspark.model.generation.GenerationOptions;
import io.gemmaspark.model.generation.Generator;
import io.gemmaspark.training.HadoopPaths;
import io.gemmaspark.training.WarmupCosineSchedule;
import io.gemmaspark.training.averaging.ParameterAveraging;
import io.gemmaspark.training.checkpoint.PretrainCheckpoints;
import io.gemmaspark.training.checkpoint.TrainerState;
import io.gemmaspark.training.config.RlhfConfig;
import io.gemmaspark.training.model.FineTuneStart;
import io.gemmaspark.training.model.GemmaDecoderModel;
import io.gemmaspark.training.model.TrainingSettings;
import io.gemmaspark.training.reward.RewardCheckpoint;
import io.gemmaspark.training.sft.JsonlLines;
import io.gemmaspark.training.sft.SftBatches;
import io.gemmaspark.training.sft.SftRow;
import io.gemmaspark.util.Json;
import io.gemmaspark.util.Progress;
import io.gemmaspark.util.UserError;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * RLOO policy optimisation with a KL penalty to the frozen SFT reference. Each round: sample {@code k} replies per
 * prompt with the KV cache (temperature {@code temperature}), score them with the reward model, compute log-probs
 * under the policy and the reference, fold {@code β·KL} into the reward, take leave-one-out advantages, and
 * update the policy by one parameter-averaging round whose per-token loss weights are the advantages (negative
 * ones push a reply's probability down; the decoder normalises by {@code Σ|w|}).
 *
 * <p>Sampling, scoring and reference log-probs run on the driver in this version (the model is broadcast to the
 * workers for the update only).
 */
public final class SparkRloo {
    /** One JSON object per line. */
    private static final com.fasterxml.jackson.databind.ObjectMapper COMPACT =
            new com.fasterxml.jackson.databind.ObjectMapper();
    private final RlhfConfig config;
    private final SparkSession spark;
    private final Configuration hadoop;
    private final String out;
    private final String workDir;

    public SparkRloo(RlhfConfig config, SparkSession spark, String out, String workDir) {
        this.config = config;
        this.spark = spark;
        this.hadoop = spark.sparkContext().hadoopConfiguration();
        this.out = out;
        this.workDir = workDir;
    }

    /**
     * @param heldOutRewardBefore mean reward of greedy replies to the held-out prompts, SFT policy
     * @param heldOutRewardAfter  the same after RLHF
     * @param withinKlBudget      every round's mean KL stayed under {@code kl_budget}
     */
    public record Result(long rounds, double heldOutRewardBefore, double heldOutRewardAfter, double heldOutEosBefore,
            double heldOutEosAfter, double maxKl, boolean withinKlBudget, List<RoundMetrics> history,
            String checkpoint, String metricsFile, String plotFile) {
    }

    public Result run() {
        if (HadoopPaths.exists(out + "/checkpoints", hadoop)) {
            throw new UserError(out + ": already holds checkpoints; choose another --out");
        }
        FineTuneStart start = FineTuneStart.load(config.policy(), hadoop);
        ChatTemplate template = new ChatTemplate(start.codec(), start.bosId());
        ComputationGraph rewardModel = RewardCheckpoint.load(config.reward(), hadoop);
        List<int[]> prompts = prompts(config.prompts(), template);
        List<int[]> heldOut = prompts(config.evalPrompts(), template);
        int frequency = config.spark().averagingFrequency();
        WarmupCosineSchedule schedule = config.optimizer().schedule(frequency, config.rounds());
        ComputationGraph graph = start.copyInto(new GemmaDecoderModel().build(start.shape(), config.seqLen(),
                new TrainingSettings(config.optimizer(), schedule, config.seed(), false)));
        GemmaDecoder policy = GemmaDecoder.of(graph);
        GemmaDecoder reference = GemmaDecoder.fromWeights(start.shape(), start.weights(), null);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        ParameterAveraging averaging = new ParameterAveraging(jsc, graph, config.spark(), config.seed(),
                workDir + "/dl4j-export", false);
        int[] newline = start.codec().encode("\n");
        int endOfTurn = template.endOfTurnId();

        double[] before = evaluate(policy, rewardModel, heldOut, endOfTurn, newline);
        System.out.printf("rlhf: SFT policy on %d held-out prompts: mean reward %.3f, EOS rate %.2f%n", heldOut.size(),
                before[0], before[1]);
        List<RoundMetrics> history = new ArrayList<>();
        Progress progress = new Progress("rlhf", "rounds", config.rounds());
        String metricsFile = out + "/metrics.jsonl";
        try (OutputStream metrics = new Path(metricsFile).getFileSystem(hadoop).create(new Path(metricsFile), true)) {
            for (int round = 0; round < config.rounds(); round++) {
                long started = System.nanoTime();
                List<int[]> roundPrompts = new ArrayList<>();
                for (int i = 0; i < config.promptsPerRound(); i++) {
                    roundPrompts.add(prompts.get((round * config.promptsPerRound() + i) % prompts.size()));
                }
                Samples s = sample(policy, reference, rewardModel, roundPrompts, round, endOfTurn, newline);
                double[] shaped = RlooAdvantages.shaped(s.rewards, s.kl, s.ended, config.beta(),
                        config.missingEosPenalty());
                double[] advantages = RlooAdvantages.leaveOneOut(shaped, config.k());
                List<MultiDataSet> batches = updateBatches(s, advantages, start.codec().pieceId(ChatTemplate.PAD)
                        .orElse(0));
                var means = averaging.fitRound(round, jsc.parallelize(batches, config.spark().workers()));
                RoundMetrics m = new RoundMetrics(round + 1, mean(s.rewards), std(s.rewards), mean(s.kl),
                        mean(s.lengths), mean(s.ended), mean(s.entropies), means.loss(),
                        (System.nanoTime() - started) / 1e9);
                history.add(m);
                metrics.write((COMPACT.writeValueAsString(m) + "\n").getBytes(StandardCharsets.UTF_8));
                metrics.flush();
                progress.update(round + 1, m.describe());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + metricsFile, e);
        }
        double[] after = evaluate(policy, rewardModel, heldOut, endOfTurn, newline);
        System.out.printf("rlhf: RLHF policy: mean reward %.3f, EOS rate %.2f%n", after[0], after[1]);
        String plot = out + "/rlhf_curves.png";
        RlhfCurves.write(history, "gemma-spark RLOO: " + start.shape().name(), plot, hadoop);
        TrainerState state = new TrainerState(config.rounds(), 0, config.rounds(), 0, 0,
                (long) config.rounds() * frequency, 0, config.seed(), config.seed(), config.seed(), 0);
        String checkpoint = new PretrainCheckpoints(out + "/checkpoints", hadoop, 1).save(graph, state,
                List.of(start.tokenizer()));
        double maxKl = history.stream().mapToDouble(RoundMetrics::kl).max().orElse(0);
        Result result = new Result(config.rounds(), before[0], after[0], before[1], after[1], maxKl,
                maxKl <= config.klBudget(), history, HadoopPaths.absolute(checkpoint, hadoop),
                HadoopPaths.absolute(metricsFile, hadoop), HadoopPaths.absolute(plot, hadoop));
        Json.write(result, new Path(out, "summary.json"), hadoop);
        return result;
    }

    /** The k samples of every prompt (grouped by prompt) with their rewards, KL and entropy. */
    private static final class Samples {
        final List<int[]> sequences = new ArrayList<>();
        final List<Integer> promptLengths = new ArrayList<>();
        double[] rewards;
        double[] kl;
        double[] entropies;
        double[] lengths;
        boolean[] ended;
    }

    private Samples sample(GemmaDecoder policy, GemmaDecoder reference, ComputationGraph rewardModel,
            List<int[]> prompts, int round, int endOfTurn, int[] newline) {
        int k = config.k();
        int[][][] replies = new int[k][][];
        int[][] promptArray = prompts.toArray(new int[0][]);
        Generator generator = new Generator(policy);
        for (int j = 0; j < k; j++) {
            // One seed per sample index: the generator seeds each prompt alike within a call.
            replies[j] = generator.generate(promptArray, new GenerationOptions(config.maxCompletionTokens(),
                    config.temperature(), 0, 1, config.seed() * 7919L + round * 1009L + j,
                    new int[] {endOfTurn, GenerationOptions.EOS}));
        }
        Samples s = new Samples();
        int n = prompts.size() * k;
        s.rewards = new double[n];
        s.kl = new double[n];
        s.entropies = new double[n];
        s.lengths = new double[n];
        s.ended = new boolean[n];
        List<int[]> scored = new ArrayList<>();
        for (int p = 0; p < prompts.size(); p++) {
            for (int j = 0; j < k; j++) {
                int i = p * k + j;
                int[] reply = replies[j][p];
                s.ended[i] = reply.length < config.maxCompletionTokens();
                int[] sequence = concat(prompts.get(p), reply, s.ended[i] ? new int[] {endOfTurn} : new int[0]);
                sequence = Arrays.copyOf(sequence, Math.min(sequence.length, config.seqLen() + 1));
                s.sequences.add(sequence);
                s.promptLengths.add(prompts.get(p).length);
                s.lengths[i] = sequence.length - prompts.get(p).length;
                double[][] pi = PolicySamples.score(policy, sequence, prompts.get(p).length);
                double[][] ref = PolicySamples.score(reference, sequence, prompts.get(p).length);
                for (int t = 0; t < pi[0].length; t++) {
                    s.kl[i] += pi[0][t] - ref[0][t];
                    s.entropies[i] += pi[1][t] / pi[1].length;
                }
                // The reward model was trained on whole turns, which end with "<end_of_turn>\n".
                scored.add(s.ended[i] ? concat(sequence, newline) : sequence);
            }
        }
        double[] rewards = rewards(rewardModel, scored);
        System.arraycopy(rewards, 0, s.rewards, 0, n);
        return s;
    }

    /** Raw rewards of sequences, right-padded with {@code <pad>} to the longest. */
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

    /** One row per sample: loss weight = its advantage on every reply token (the stop token included). */
    private List<MultiDataSet> updateBatches(Samples s, double[] advantages, int padId) {
        List<SftRow> rows = new ArrayList<>();
        for (int i = 0; i < s.sequences.size(); i++) {
            int[] sequence = s.sequences.get(i);
            int[] tokens = new int[config.seqLen() + 1];
            Arrays.fill(tokens, padId);
            System.arraycopy(sequence, 0, tokens, 0, sequence.length);
            float[] weights = new float[config.seqLen()];
            for (int t = s.promptLengths.get(i); t < sequence.length; t++) {
                weights[t - 1] = (float) advantages[i];
            }
            rows.add(new SftRow(tokens, weights, new int[config.seqLen()]));
        }
        List<MultiDataSet> batches = new ArrayList<>();
        int size = config.spark().batchSizePerWorker();
        for (int from = 0; from < rows.size(); from += size) {
            batches.add(SftBatches.minibatch(rows.subList(from, Math.min(rows.size(), from + size)), false));
        }
        return batches;
    }

    /** {@code {mean reward, EOS rate}} of greedy replies. */
    private double[] evaluate(GemmaDecoder policy, ComputationGraph rewardModel, List<int[]> prompts, int endOfTurn,
            int[] newline) {
        int[][] replies = new Generator(policy).generate(prompts.toArray(new int[0][]), new GenerationOptions(
                config.maxCompletionTokens(), 0, 0, 1, 0, new int[] {endOfTurn, GenerationOptions.EOS}));
        List<int[]> sequences = new ArrayList<>();
        double ended = 0;
        for (int p = 0; p < replies.length; p++) {
            boolean stop = replies[p].length < config.maxCompletionTokens();
            ended += stop ? 1 : 0;
            sequences.add(stop ? concat(prompts.get(p), replies[p], new int[] {endOfTurn}, newline)
                    : concat(prompts.get(p), replies[p]));
        }
        return new double[] {mean(rewards(rewardModel, sequences)), ended / replies.length};
    }

    private List<int[]> prompts(String path, ChatTemplate template) {
        List<int[]> prompts = new ArrayList<>();
        for (JsonlLines.Line line : JsonlLines.read(path, hadoop)) {
            try {
                JsonNode node = Json.MAPPER.readTree(line.text());
                String prompt = node.has("prompt") ? node.get("prompt").asText()
                        : node.path("messages").path(0).path("content").asText();
                if (prompt.isBlank()) {
                    throw new IllegalArgumentException("no prompt");
                }
                prompts.add(template.encodePrompt(prompt));
            } catch (Exception e) {
                System.out.println("rlhf: skipped " + line.where() + ": " + e.getMessage());
            }
        }
        if (prompts.isEmpty()) {
            throw new UserError(path + ": no prompts");
        }
        return prompts;
    }

    private static int[] concat(int[]... parts) {
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

    private static double mean(double[] v) {
        return Arrays.stream(v).average().orElse(0);
    }

    private static double mean(boolean[] v) {
        double n = 0;
        for (boolean b : v) {
            n += b ? 1 : 0;
        }
        return v.length == 0 ? 0 : n / v.length;
    }

    private static double std(double[] v) {
        double m = mean(v);
        return Math.sqrt(Arrays.stream(v).map(x -> (x - m) * (x - m)).average().orElse(0));
    }
}
