package io.gemmaspark.training.rlhf;

import io.gemmaspark.model.chat.ChatTemplate;
import io.gemmaspark.model.decoder.GemmaDecoder;
import io.gemmaspark.training.model.FineTuneStart;
import io.gemmaspark.training.reward.RewardCheckpoint;
import io.gemmaspark.training.sft.ExactMatch;
import io.gemmaspark.training.sft.SftDataset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/**
 * The stages of instruction tuning side by side (the demo's closing table): for each checkpoint, greedy exact match
 * on the held-out SFT set ({@link ExactMatch}, as SFT validates) and the mean reward and EOS rate of greedy replies
 * to the held-out RLHF prompts under one reward model (as RLHF evaluates, on the executors).
 */
public final class CheckpointComparison {

    /** One checkpoint's figures. */
    public record Row(String stage, String checkpoint, int matched, int total, double meanReward, double eosRate) {
    }

    /**
     * What to measure on: the SFT held-out set with its {@code seq_len} and generation budget, the RLHF held-out
     * prompts with theirs, and the reward model.
     */
    public record HeldOut(String sftData, int sftSeqLen, int exactMatchTokens, String rlhfPrompts, int rlhfSeqLen,
            int completionTokens, String rewardModel, int workers) {
    }

    private CheckpointComparison() {
    }

    /** @param checkpoints stage name to checkpoint (a store, a native checkpoint or an HF directory), in order */
    public static List<Row> measure(SparkSession spark, Map<String, String> checkpoints, HeldOut heldOut) {
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<ShippedModel> reward = jsc.broadcast(ShippedModel.of(RewardCheckpoint.load(heldOut.rewardModel(),
                hadoop)));
        List<Row> rows = new ArrayList<>();
        checkpoints.forEach((stage, checkpoint) -> {
            FineTuneStart model = FineTuneStart.load(checkpoint, hadoop);
            ChatTemplate template = new ChatTemplate(model.codec(), model.bosId());
            GemmaDecoder decoder = GemmaDecoder.fromWeights(model.shape(), model.weights(), null);
            SftDataset examples = SftDataset.read(heldOut.sftData(), hadoop, template, heldOut.sftSeqLen() + 1,
                    false);
            ExactMatch.Result match = ExactMatch.measure(decoder, template, model.codec(), examples.examples(),
                    heldOut.exactMatchTokens());
            RlhfPrompts prompts = RlhfPrompts.read(heldOut.rlhfPrompts(), hadoop, template, heldOut.rlhfSeqLen(),
                    heldOut.completionTokens(), false);
            SparkRloo.HeldOutScore score = SparkRloo.greedyScore(jsc, decoder.graph(), reward, prompts.prompts(),
                    RolloutSampler.Sampling.greedy(heldOut.completionTokens(), template, model.codec().encode("\n")),
                    heldOut.workers());
            rows.add(new Row(stage, model.dir().toString(), match.matched(), match.total(), score.meanReward(),
                    score.eosRate()));
        });
        reward.destroy();
        return rows;
    }

    /** A plain-text table, one line per stage. */
    public static String table(List<Row> rows) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%-12s %18s %18s %10s%n", "checkpoint",
                "exact match", "mean reward", "EOS rate"));
        for (Row r : rows) {
            out.append(String.format(Locale.ROOT, "%-12s %10d/%d (%.2f) %18.3f %10.2f%n", r.stage(), r.matched(),
                    r.total(), r.total() == 0 ? 0 : (double) r.matched() / r.total(), r.meanReward(), r.eosRate()));
        }
        return out.toString();
    }
}
