package io.gemmaspark.training.rlhf;

import io.gemmaspark.model.chat.ChatTemplate;
import io.gemmaspark.model.generation.GenerationOptions;
import io.gemmaspark.training.checkpoint.PretrainCheckpoints;
import io.gemmaspark.training.checkpoint.TrainerState;
import io.gemmaspark.training.config.RlhfConfig;
import io.gemmaspark.training.finetune.FineTuneJob;
import io.gemmaspark.training.finetune.ResumePoint;
import io.gemmaspark.training.finetune.RoundLoop;
import io.gemmaspark.training.metrics.WorkerMetricsListener.RoundMeans;
import io.gemmaspark.training.model.FineTuneStart;
import io.gemmaspark.training.model.GemmaDecoderModel;
import io.gemmaspark.training.model.TrainingSettings;
import io.gemmaspark.training.reward.RewardCheckpoint;
import io.gemmaspark.training.sft.DataManifest;
import io.gemmaspark.training.sft.SftBatches;
import io.gemmaspark.training.sft.SftRow;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
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
 * leave-one-out advantages and updates the policy through the same parameter averaging as pretraining (the
 * fine-tuning {@link RoundLoop}, in which the sampling is how a round makes its data), with
 * per-token loss weights that are the advantages (negative ones push a reply down; the decoder normalises by
 * {@code Σ|w|}). With {@code ppo_epochs > 1} the same samples serve several updates, their weights clipped as in
 * PPO ({@link PpoClip}) against log-probs the executors recompute under the updated policy ({@link RolloutRescorer}).
 */
public final class SparkRloo {
    private final RlhfConfig config;
    private final FineTuneJob job;

    public SparkRloo(RlhfConfig config, SparkSession spark, String out, String workDir) {
        this.config = config;
        this.job = new FineTuneJob("rlhf", spark, out, workDir);
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
        Configuration hadoop = job.hadoop();
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

        TrainingSettings settings = FineTuneJob.trainingSettings(config.optimizer(), config.spark(),
                (long) config.rounds() * config.ppoEpochs(), config.seed());
        ComputationGraph graph = start.copyInto(new GemmaDecoderModel().build(start.shape(), config.seqLen(),
                settings));
        PretrainCheckpoints checkpoints = job.decoderCheckpoints(config.checkpoint());
        ResumePoint from = job.resumeFrom(checkpoints, resume);
        if (from.round() >= config.rounds()) {
            return job.finishedSummary(Result.class);
        }
        JavaSparkContext jsc = job.spark();
        // The reference is the start policy, frozen: shipped once (before a resume restores the policy), like the
        // reward model.
        Broadcast<ShippedModel> reference = jsc.broadcast(ShippedModel.of(graph));
        Broadcast<ShippedModel> rewardModel = jsc.broadcast(ShippedModel.of(RewardCheckpoint.load(config.reward(),
                hadoop)));
        int[] stopIds = {template.endOfTurnId(), GenerationOptions.EOS};
        int[] newline = start.codec().encode("\n");
        RolloutSampler.Sampling sampling = new RolloutSampler.Sampling(config.k(), config.temperature(),
                config.maxCompletionTokens(), config.seed(), stopIds, template.endOfTurnId(), newline);
        RolloutSampler.Sampling greedy = RolloutSampler.Sampling.greedy(config.maxCompletionTokens(), template,
                newline);
        Supplier<HeldOutScore> heldOutScore = () -> greedyScore(jsc, graph, rewardModel, heldOut.prompts(), greedy,
                config.spark().workers());
        HeldOutScore before = job.baseline(HeldOutScore.class, from, heldOutScore);
        System.out.printf("rlhf: SFT policy on %d held-out prompts: mean reward %.3f, EOS rate %.2f%n",
                heldOut.prompts().size(), before.meanReward(), before.eosRate());
        RoundLoop loop = new RoundLoop(job, graph, config.spark(), config.seed(), from, new RoundLoop.Plan("rounds",
                config.rounds(), config.ppoEpochs(), 0, config.checkpoint().everySteps()));

        RoundLoop.Finished<RoundMetrics> done = loop.run(new Rounds(prompts.prompts(), graph, reference, rewardModel,
                sampling, template.padId(), state -> checkpoints.save(graph, state, List.of(start.tokenizer()))),
                RoundMetrics.class);
        HeldOutScore after = heldOutScore.get();
        System.out.printf("rlhf: RLHF policy: mean reward %.3f, EOS rate %.2f%n", after.meanReward(),
                after.eosRate());
        String plot = job.outputFile("rlhf_curves.png");
        RlhfCurves.write(done.history(), "gemma-spark RLOO: " + start.shape().name(), plot, hadoop);
        double maxKl = done.history().stream().mapToDouble(RoundMetrics::kl).max().orElse(0);
        return job.writeSummary(new Result(config.rounds(), before.meanReward(), after.meanReward(), before.eosRate(),
                after.eosRate(), maxKl, maxKl <= config.klBudget(), prompts.manifest(), heldOut.manifest(),
                done.history(), job.absolute(done.checkpoint()), job.absolute(job.metricsFile()),
                job.absolute(plot)));
    }

    /**
     * One round's samples: {@code k} replies per prompt, drawn, scored and log-probed on the executors, with their
     * leave-one-out advantages.
     */
    private final class Samples implements RoundLoop.Round {
        final List<Rollout> rollouts;
        final double[] rewards;
        final double[] kl;
        final boolean[] ended;
        final double[] advantages;
        private final ComputationGraph graph;
        private final int padId;

        Samples(List<Rollout> rollouts, ComputationGraph graph, int padId) {
            this.rollouts = rollouts;
            this.graph = graph;
            this.padId = padId;
            this.rewards = rollouts.stream().mapToDouble(r -> r.reward).toArray();
            this.kl = rollouts.stream().mapToDouble(Rollout::kl).toArray();
            this.ended = new boolean[rollouts.size()];
            for (int i = 0; i < ended.length; i++) {
                ended[i] = rollouts.get(i).ended;
            }
            this.advantages = RlooAdvantages.leaveOneOut(RlooAdvantages.shaped(rewards, kl, ended, config.beta(),
                    config.missingEosPenalty()), config.k());
        }

        /** PPO epoch {@code epoch}: the first weighs with the sampling log-probs, later ones rescore first. */
        @Override
        public List<MultiDataSet> minibatches(int epoch) {
            List<double[]> current = epoch == 0 ? rollouts.stream().map(r -> r.logProbs).toList()
                    : rescore(job.spark(), graph, rollouts);
            return updateBatches(rollouts, advantages, current, padId);
        }
    }

    /** RLOO's side of the round loop: each round's prompts sampled on the executors with the current policy. */
    private final class Rounds implements RoundLoop.Trainer<Samples, RoundMetrics> {
        private final List<RlhfPrompt> prompts;
        private final ComputationGraph graph;
        private final Broadcast<ShippedModel> reference;
        private final Broadcast<ShippedModel> rewardModel;
        private final RolloutSampler.Sampling sampling;
        private final int padId;
        private final Function<TrainerState, String> checkpoint;

        Rounds(List<RlhfPrompt> prompts, ComputationGraph graph, Broadcast<ShippedModel> reference,
                Broadcast<ShippedModel> rewardModel, RolloutSampler.Sampling sampling, int padId,
                Function<TrainerState, String> checkpoint) {
            this.prompts = prompts;
            this.graph = graph;
            this.reference = reference;
            this.rewardModel = rewardModel;
            this.sampling = sampling;
            this.padId = padId;
            this.checkpoint = checkpoint;
        }

        /** The round's prompts (cycling through the file) and their samples under the policy as it is now. */
        @Override
        public Samples round(long round) {
            List<RlhfPrompt> roundPrompts = new ArrayList<>();
            for (int i = 0; i < config.promptsPerRound(); i++) {
                roundPrompts.add(prompts.get((int) ((round * config.promptsPerRound() + i) % prompts.size())));
            }
            JavaSparkContext jsc = job.spark();
            Broadcast<ShippedModel> policy = jsc.broadcast(ShippedModel.of(graph));
            List<Rollout> rollouts = jsc.parallelize(roundPrompts, config.spark().workers())
                    .mapPartitions(new RolloutSampler(policy, reference, rewardModel, sampling,
                            Math.toIntExact(round))).collect();
            policy.destroy();
            return new Samples(rollouts, graph, padId);
        }

        @Override
        public RoundMetrics metrics(long round, Samples s, RoundMeans update, double seconds) {
            return new RoundMetrics(round + 1, mean(s.rewards), std(s.rewards), mean(s.kl),
                    s.rollouts.stream().mapToDouble(Rollout::replyLength).average().orElse(0), mean(s.ended),
                    s.rollouts.stream().mapToDouble(r -> r.entropy).average().orElse(0), update.loss(), seconds);
        }

        @Override
        public String save(RoundLoop.AfterRound at) {
            return checkpoint.apply(at.trainerState(0, 0, config.seed()));
        }
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
        return SftBatches.minibatches(rows, config.spark().batchSizePerWorker(), false);
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
