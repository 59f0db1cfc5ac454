package io.gemmaspark.training.sft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.model.chat.ChatTemplate;
import io.gemmaspark.model.decoder.GemmaDecoder;
import io.gemmaspark.model.generation.GenerationOptions;
import io.gemmaspark.model.generation.Generator;
import io.gemmaspark.training.TestSpark;
import io.gemmaspark.training.config.SftConfig;
import io.gemmaspark.training.model.FineTuneStart;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SFT end to end on local[2] with two parameter-averaging workers, on the shipped instruction set. */
class SparkSftTest {
    @TempDir
    Path tmp;

    @Test
    void fineTuningRaisesHeldOutExactMatchAndWritesAChatCheckpoint() throws Exception {
        String base = BaseCheckpoints.create(tmp.resolve("base"));
        int steps = Integer.getInteger("sft.test.steps", 150);
        SftConfig config = SftConfig.load("sft/tiny", List.of("model=" + base,
                "data=../data/instruct/sft-train.jsonl", "eval_data=../data/instruct/sft-heldout.jsonl",
                "steps=" + steps, "seq_len=64", "spark.batch_size_per_worker=8", "spark.averaging_frequency=2",
                "validation.every_steps=" + steps, "validation.max_new_tokens=16", "checkpoint.every_steps=" + steps,
                "optimizer.peak_lr=5e-3", "optimizer.min_lr=5e-4", "packing=true"));
        SparkSft.Result result;
        try (SparkSession spark = TestSpark.session(tmp)) {
            result = new SparkSft(config, spark, tmp.resolve("out").toString(), tmp.resolve("work").toString())
                    .run(false);
        }
        System.out.printf("SFT figures: held-out loss %.4f -> %.4f, exact match %.3f -> %.3f of %d; samples %s%n",
                result.heldOutLossBefore(), result.heldOutLossAfter(), result.exactMatchBefore(),
                result.exactMatchAfter(), result.heldOutExamples(), result.samplesAfter());
        // Every record is accounted for: kept, or dropped as too long for 65 tokens with this small vocabulary.
        assertEquals(1500, result.trainData().read());
        assertEquals(1500, result.trainData().kept() + result.trainData().dropped().getOrDefault("too_long", 0L));
        assertTrue(result.trainData().kept() > 1400);
        assertTrue(result.heldOutLossAfter() < result.heldOutLossBefore() - 3.0, "held-out loss falls");
        // 150 packed steps of a 2-layer, 64-wide model from random weights: exact match on unseen prompts rises from
        // 0 to about 0.08 (4 of 50); longer runs are reported in docs/instruction-tuning.md.
        assertTrue(result.exactMatchAfter() >= result.exactMatchBefore() + 0.04, "exact match rises");
        assertTrue(Files.exists(Path.of(tmp.resolve("out/metrics.jsonl").toString())));
        assertTrue(Files.exists(Path.of(tmp.resolve("out/loss_curve.png").toString())));

        // The checkpoint is what generate --chat reads: config, weights and tokenizer.model; chat generation stops
        // at <end_of_turn>.
        FineTuneStart tuned = FineTuneStart.load(tmp.resolve("out/checkpoints").toString(), new Configuration());
        ChatTemplate template = new ChatTemplate(tuned.codec(), tuned.bosId());
        GemmaDecoder decoder = GemmaDecoder.fromWeights(tuned.shape(), tuned.weights(), null);
        int[] prompt = template.encodePrompt("Repeat the word: apple");
        int[] reply = new Generator(decoder).generate(new int[][] {prompt},
                new GenerationOptions(16, 0, 0, 1, 0, new int[] {template.endOfTurnId()}))[0];
        assertTrue(reply.length < 16, "stops at <end_of_turn>: " + tuned.codec().decode(reply));
    }
}
