package io.gemmaspark.training.rlhf;

import io.gemmaspark.model.chat.ChatTemplate;
import io.gemmaspark.model.generation.GenerationOptions;
import io.gemmaspark.training.HadoopPaths;
import io.gemmaspark.training.WarmupCosineSchedule;
import io.gemmaspark.training.averaging.ParameterAveraging;
import io.gemmaspark.training.checkpoint.FineTuneResume;
import io.gemmaspark.training.checkpoint.PretrainCheckpoints;
import io.gemmaspark.training.checkpoint.TrainerState;
import io.gemmaspark.training.config.RlhfConfig;
import io.gemmaspark.training.metrics.JsonlLog;
import io.gemmaspark.training.metrics.WorkerMetricsListener;
import io.gemmaspark.training.model.FineTuneStart;
import io.gemmaspark.training.model.GemmaDecoderModel;
import io.gemmaspark.training.model.TrainingSettings;
import io.gemmaspark.training.reward.RewardCheckpoint;
import io.gemmaspark.training.sft.DataManifest;
import io.gemmaspark.training.sft.SftBatches;
import io.gemmaspark.training.sft.SftRow;
import io.gemmaspark.util.Json;
import io.gemmaspark.util.Progress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * RLOO policy optimisation with a KL penalty to the frozen SFT reference, on Spark. Each round the driver
 * broadcasts the policy; the executors ({@link RolloutSampler}) sample {@code k} replies per prompt in KV-cache
 * batches (temperature {@code temperature}, up to {@code max_completion_tokens}), score them with the reward model
 * and compute log-probs under the policy and the reference. The driver folds {@code β·KL} into the rewards, takes
 * leave-one-out advantages and updates the policy through the same parameter averaging as pretraining, with
 * per-token loss weights that are the advantages (negative ones push a reply down; the decoder normalises by
 * {@code Σ|w|}). With {@code ppo_epochs > 1} the same samples serve several updates, their weights clipped as in
 * PPO ({@link PpoClip}) against log-probs the executors recompute under the updated policy ({@link RolloutRescorer}).
 */
public final class SparkRloo {
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
            double heldOutEosAfter, double maxKl, boolean withinKlBudget, DataManifest promptData,
            DataManifest heldOutPromptData, List<RoundMetrics> history, String checkpoint, String metricsFile,
            String plotFile) {
    }

    /** Greedy replies to the held-out prompts, scored by the reward model. */
    public record HeldOutScore(double meanReward, double eosRate) {
    }

    /** @param resume continue from the newest valid checkpoint under {@code out/checkpoints} (exactly) */
    public Result run(boolean resume) {
        FineTuneStart start = FineTuneStart.load(config.policy(), hadoop);
        ChatTemplate template = new ChatTemplate(start.codec(), start.bosId());
        RlhfPrompts prompts = RlhfPrompts.read(config.prompts(), hadoop, template, config.seqLen(),
                config.maxCompletionTokens(), config.strict());
        RlhfPrompts heldOut = RlhfPrompts.read(config.evalPrompts(), hadoop, template, config.seqLen(),
                config.maxCompletionTokens(), config.strict());
        System.out.println("rlhf: prompts " + prompts.manifest().describe());
        System.out.println("rlhf: held-out prompts " + heldOut.manifest().describe());
        prompts.manifest().firstBad().forEach(bad -> System.out.println("  dropped " + bad));
        heldOut.manifest().firstBad().forEach(bad -> System.out.println("  dropped " + bad));

        int frequency = config.spark().averagingFrequency();
        int updates = config.rounds() * config.ppoEpochs();
        WarmupCosineSchedule schedule = config.optimizer().schedule(frequency, updates);
        ComputationGraph graph = start.copyInto(new GemmaDecoderModel().build(start.shape(), config.seqLen(),
                new TrainingSettings(config.optimizer(), schedule, config.seed(), false)));
        PretrainCheckpoints checkpoints = new PretrainCheckpoints(out + "/checkpoints", hadoop,
                config.checkpoint().keepLast());
        Optional<PretrainCheckpoints.Loaded> restored = FineTuneResume.latest("rlhf", out, checkpoints, resume,
                hadoop);
        TrainerState resumedAt = restored.map(PretrainCheckpoints.Loaded::state)
                .orElse(TrainerState.start(config.seed()));
        if (resumedAt.step() >= config.rounds()) {
            return FineTuneResume.finishedSummary("rlhf", out, Result.class, hadoop);
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        // The reference is the start policy, frozen: shipped once, like the reward model.
        Broadcast<ShippedModel> reference = jsc.broadcast(ShippedModel.of(graph));
        Broadcast<ShippedModel> rewardModel = jsc.broadcast(ShippedModel.of(RewardCheckpoint.load(config.reward(),
                hadoop)));
        int[] stopIds = {template.endOfTurnId(), GenerationOptions.EOS};
        int[] newline = start.codec().encode("\n");
        RolloutSampler.Sampling sampling = new RolloutSampler.Sampling(config.k(), config.temperature(),
                config.maxCompletionTokens(), config.seed(), stopIds, template.endOfTurnId(), newline);
        RolloutSampler.Sampling greedy = RolloutSampler.Sampling.greedy(config.maxCompletionTokens(), template,
                newline);
        HeldOutScore before = FineTuneResume.baseline(out, HeldOutScore.class, restored.isPresent(),
                () -> greedyScore(jsc, graph, rewardModel, heldOut.prompts(), greedy, config.spark().workers()),
                hadoop);
        System.out.printf("rlhf: SFT policy on %d held-out prompts: mean reward %.3f, EOS rate %.2f%n",
                heldOut.prompts().size(), before.meanReward(), before.eosRate());
        restored.ifPresent(r -> r.restoreInto(graph));
        ParameterAveraging averaging = new ParameterAveraging(jsc, graph, config.spark(), config.seed(),
                workDir + "/dl4j-export", false);

        Progress progress = new Progress("rlhf", "rounds", config.rounds());
        String metricsFile = out + "/metrics.jsonl";
        int padId = template.padId();
        double elapsed = resumedAt.elapsedSeconds();
        String checkpoint = null;
        List<RoundMetrics> history;
        try (JsonlLog<RoundMetrics> metrics = JsonlLog.open(metricsFile, hadoop, resumedAt.step(),
                RoundMetrics.class, RoundMetrics::round)) {
            for (int round = Math.toIntExact(resumedAt.step()); round < config.rounds(); round++) {
                long started = System.nanoTime();
                List<RlhfPrompt> roundPrompts = new ArrayList<>();
                for (int i = 0; i < config.promptsPerRound(); i++) {
                    roundPrompts.add(prompts.prompts().get(
                            (round * config.promptsPerRound() + i) % prompts.prompts().size()));
                }
                Broadcast<ShippedModel> policy = jsc.broadcast(ShippedModel.of(graph));
                List<Rollout> rollouts = jsc.parallelize(roundPrompts, config.spark().workers())
                        .mapPartitions(new RolloutSampler(policy, reference, rewardModel, sampling, round)).collect();
                policy.destroy();
                double[] rewards = rollouts.stream().mapToDouble(r -> r.reward).toArray();
                double[] kl = rollouts.stream().mapToDouble(Rollout::kl).toArray();
                boolean[] ended = new boolean[rollouts.size()];
                for (int i = 0; i < ended.length; i++) {
                    ended[i] = rollouts.get(i).ended;
                }
                double[] advantages = RlooAdvantages.leaveOneOut(RlooAdvantages.shaped(rewards, kl, ended,
                        config.beta(), config.missingEosPenalty()), config.k());
                WorkerMetricsListener.RoundMeans update = null;
                for (int epoch = 0; epoch < config.ppoEpochs(); epoch++) {
                    List<double[]> current = epoch == 0 ? rollouts.stream().map(r -> r.logProbs).toList()
                            : rescore(jsc, graph, rollouts);
                    List<MultiDataSet> batches = updateBatches(rollouts, advantages, current, padId);
                    update = averaging.fitRound((long) round * config.ppoEpochs() + epoch,
                            jsc.parallelize(batches, config.spark().workers()));
                }
                double seconds = (System.nanoTime() - started) / 1e9;
                elapsed += seconds;
                RoundMetrics m = new RoundMetrics(round + 1, mean(rewards), std(rewards), mean(kl),
                        rollouts.stream().mapToDouble(Rollout::replyLength).average().orElse(0), mean(ended),
                        rollouts.stream().mapToDouble(r -> r.entropy).average().orElse(0), update.loss(), seconds);
                metrics.append(m);
                progress.update(round + 1, m.describe());
                if ((round + 1) % config.checkpoint().everySteps() == 0 || round + 1 == config.rounds()) {
                    long done = round + 1;
                    checkpoint = checkpoints.save(graph, new TrainerState(done, 0, done, 0, 0,
                            done * config.ppoEpochs() * frequency, update.learningRate(), config.seed(),
                            config.seed(), config.seed(), elapsed), List.of(start.tokenizer()));
                }
            }
            history = List.copyOf(metrics.history());
        }
        HeldOutScore after = greedyScore(jsc, graph, rewardModel, heldOut.prompts(), greedy, config.spark().workers());
        System.out.printf("rlhf: RLHF policy: mean reward %.3f, EOS rate %.2f%n", after.meanReward(),
                after.eosRate());
        String plot = out + "/rlhf_curves.png";
        RlhfCurves.write(history, "gemma-spark RLOO: " + start.shape().name(), plot, hadoop);
        double maxKl = history.stream().mapToDouble(RoundMetrics::kl).max().orElse(0);
        Result result = new Result(config.rounds(), before.meanReward(), after.meanReward(), before.eosRate(),
                after.eosRate(), maxKl, maxKl <= config.klBudget(), prompts.manifest(), heldOut.manifest(), history,
                HadoopPaths.absolute(checkpoint, hadoop), HadoopPaths.absolute(metricsFile, hadoop),
                HadoopPaths.absolute(plot, hadoop));
        Json.write(result, new Path(out, "summary.json"), hadoop);
        return result;
    }

    /** Log-probs of every rollout's reply under the current policy, computed on the executors, in rollout order. */
    private List<double[]> rescore(JavaSparkContext jsc, ComputationGraph graph, List<Rollout> rollouts) {
        Broadcast<ShippedModel> policy = jsc.broadcast(ShippedModel.of(graph));
        List<double[]> logProbs = jsc.parallelize(rollouts, config.spark().workers())
                .mapPartitions(new RolloutRescorer(policy)).collect();
        policy.destroy();
        return logProbs;
    }

    /**
     * One row per sample; the loss weight of each reply token (the stop token included) is its PPO-clipped
     * advantage, which is the advantage itself while the policy is still the one that sampled.
     */
    private List<MultiDataSet> updateBatches(List<Rollout> rollouts, double[] advantages, List<double[]> current,
            int padId) {
        List<SftRow> rows = new ArrayList<>();
        for (int i = 0; i < rollouts.size(); i++) {
            Rollout r = rollouts.get(i);
            int[] tokens = new int[config.seqLen() + 1];
            Arrays.fill(tokens, padId);
            System.arraycopy(r.sequence, 0, tokens, 0, r.sequence.length);
            float[] weights = new float[config.seqLen()];
            for (int t = 0; t < r.replyLength(); t++) {
                weights[r.promptLength + t - 1] = (float) PpoClip.weight(advantages[i], current.get(i)[t],
                        r.logProbs[t], config.clipEpsilon());
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

    /** Mean reward and EOS rate of greedy replies, generated and scored on the executors. */
    static HeldOutScore greedyScore(JavaSparkContext jsc, ComputationGraph policyGraph,
            Broadcast<ShippedModel> rewardModel, List<RlhfPrompt> prompts, RolloutSampler.Sampling greedy,
            int workers) {
        Broadcast<ShippedModel> policy = jsc.broadcast(ShippedModel.of(policyGraph));
        List<Rollout> replies = jsc.parallelize(prompts, workers)
                .mapPartitions(new RolloutSampler(policy, null, rewardModel, greedy, 0)).collect();
        policy.destroy();
        return new HeldOutScore(replies.stream().mapToDouble(r -> r.reward).average().orElse(0),
                replies.stream().filter(r -> r.ended).count() / (double) replies.size());
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
