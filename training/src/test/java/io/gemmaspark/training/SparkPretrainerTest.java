package io.gemmaspark.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.model.GemmaWeights;
import io.gemmaspark.model.checkpoint.CheckpointStore;
import io.gemmaspark.model.checkpoint.NativeCheckpoint;
import io.gemmaspark.model.decoder.GemmaDecoder;
import io.gemmaspark.training.checkpoint.PretrainCheckpoints;
import io.gemmaspark.training.config.PretrainConfig;
import io.gemmaspark.training.metrics.MetricsLog;
import io.gemmaspark.training.metrics.StepMetrics;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Parameter-averaging pretraining on Spark local[2] over real text, with checkpoints and exact resume. */
class SparkPretrainerTest extends SparkShardsTestBase {

    private static PretrainConfig config(String... extra) {
        return PretrainConfig.load("pretrain/tiny", TestSpark.overrides(shards, extra));
    }

    /** The Gemma decoder, at a width that fits the suite, learns real text under Spark parameter averaging. */
    @Test
    void gemmaLearnsTheCorpusWellBelowUnigramEntropy() throws Exception {
        PretrainConfig config = config("model=" + TestSpark.smallGemmaPreset(work),
                "optimizer.warmup_steps=3", "optimizer.peak_lr=0.01",
                "spark.averaging_frequency=8", "validation.every_steps=5",
                "stages=[{name: broad, tokens: 57344, mixture: [{weight: 1}]}, "
                        + "{name: refined, tokens: 24576, mixture: [{quality: high, weight: 0.7}, {quality: low, weight: 0.3}]}]");
        String out = work.resolve("learn").toString();
        SparkPretrainer.Result result = new SparkPretrainer(config, spark, out, work.toString()).run(false);

        double unigram = TestSpark.unigramEntropy(spark, shards);
        List<StepMetrics> history = MetricsLog.read(result.metricsFile(), spark.sparkContext().hadoopConfiguration());
        System.out.printf("unigram entropy %.3f nats; loss curve:%n", unigram);
        history.forEach(m -> System.out.printf("  step %3d %-8s loss %.3f val %s lr %.2e grad %.3f %,.0f tok/s%n",
                m.step(), m.stage(), m.loss(), m.validationLoss(), m.lr(), m.gradNorm(), m.tokensPerSecond()));

        assertEquals(config.totalSteps(), result.steps());
        assertEquals(config.totalSteps() * config.tokensPerStep(), result.tokensSeen());
        assertEquals(history.size(), result.steps());
        double first = history.get(0).loss();
        assertTrue(first > Math.log(256) * 0.8, "starts near uniform over 256 bytes: " + first);
        assertTrue(result.finalValidationLoss() < unigram - 0.4,
                "held-out loss " + result.finalValidationLoss() + " well below unigram entropy " + unigram);
        assertTrue(history.stream().allMatch(m -> m.gradNorm() > 0 && Double.isFinite(m.gradNorm())));
        StepMetrics last = history.get(history.size() - 1);
        assertEquals("refined", last.stage());
        // The refined stage draws ~70% of its rows from the high-quality component.
        List<Long> refined = result.rowsByStageComponent().get("refined");
        double highShare = refined.get(0) / (double) (refined.get(0) + refined.get(1));
        assertTrue(Math.abs(highShare - 0.7) < 0.12, "mixture share " + highShare);
        assertTrue(Files.size(Path.of(java.net.URI.create(result.plotFile()))) > 1000, "loss curve written");
        assertTrue(new PretrainCheckpoints(out + "/checkpoints", spark.sparkContext().hadoopConfiguration(), 2)
                .verify(result.checkpoint()).isEmpty());
    }

    @Test
    void refusesToStartWhenTheMemoryPlanDoesNotFit() {
        PretrainConfig config = PretrainConfig.load("pretrain/gemma-2b",
                List.of("data=" + work.resolve("never-read"), "memory.worker_memory=auto"));
        var error = org.junit.jupiter.api.Assertions.assertThrows(io.gemmaspark.util.UserError.class,
                () -> new SparkPretrainer(config, spark, work.resolve("2b").toString(), work.toString()).run(false));
        assertTrue(error.getMessage().startsWith("memory: a worker needs"), error.getMessage());
        assertFalse(Files.exists(work.resolve("2b")), "nothing written before the plan is checked");
    }

    @Test
    void resumeIsExactAndCorruptCheckpointsAreSkipped() throws Exception {
        Path tokenizer = Files.write(work.resolve("spm-test.model"), "sentencepiece model bytes".getBytes());
        PretrainConfig config = config("checkpoint.every_steps=2", "architecture=gemma-decoder", "tokenizer=" + tokenizer,
                "stages=[{name: a, tokens: 4096, mixture: [{weight: 1}]}, {name: b, tokens: 4096, mixture: [{quality: high, weight: 1}]}]");
        assertEquals(8, config.totalSteps());
        var hadoop = spark.sparkContext().hadoopConfiguration();

        String straight = work.resolve("straight").toString();
        new SparkPretrainer(config, spark, straight, work.toString()).run(false);

        String interrupted = work.resolve("interrupted").toString();
        SparkPretrainer.Result half = new SparkPretrainer(config, spark, interrupted, work.toString())
                .stopAfterSteps(5).run(false);
        assertEquals(5, half.steps());
        // Corrupt the newest checkpoint: resume must fall back to step 4 and still end identical.
        Path newest = Path.of(java.net.URI.create(half.checkpoint())).resolve("model.safetensors");
        try (RandomAccessFile file = new RandomAccessFile(newest.toFile(), "rw")) {
            file.seek(file.length() / 2);
            file.write(new byte[] {1, 2, 3, 4});
        }
        PretrainCheckpoints store = new PretrainCheckpoints(interrupted + "/checkpoints", hadoop, 2);
        assertFalse(store.verify(half.checkpoint()).isEmpty(), "corruption detected");
        assertEquals(4, store.loadLatest().orElseThrow().state().step());

        SparkPretrainer.Result resumed = new SparkPretrainer(config, spark, interrupted, work.toString()).run(true);
        assertTrue(resumed.resumed());
        assertEquals(8, resumed.steps());

        // Resuming a finished run has nothing to do, and leaves its summary as it was.
        Path summary = Path.of(interrupted, "summary.json");
        String finished = Files.readString(summary);
        assertTrue(finished.contains("\"checkpoint\" : \"file:/"), "absolute URIs in the summary: " + finished);
        SparkPretrainer.Result again = new SparkPretrainer(config, spark, interrupted, work.toString()).run(true);
        assertEquals(finished, Files.readString(summary));
        assertEquals(resumed.finalLoss(), again.finalLoss());
        assertEquals(resumed.checkpoint(), again.checkpoint());

        var a = new PretrainCheckpoints(straight + "/checkpoints", hadoop, 2).loadLatest().orElseThrow();
        var b = new PretrainCheckpoints(interrupted + "/checkpoints", hadoop, 2).loadLatest().orElseThrow();
        assertEquals(a.state().tokensSeen(), b.state().tokensSeen());
        assertEquals(a.state().iteration(), b.state().iteration());
        for (String run : List.of(straight, interrupted)) {
            System.out.println(run + ": " + MetricsLog.read(run + "/metrics.jsonl", hadoop).stream()
                    .map(m -> String.format("%d:%.4f", m.step(), m.loss())).toList());
        }
        INDArray pa = a.params();
        INDArray pb = b.params();
        double maxDiff = pa.sub(pb).amaxNumber().doubleValue();
        System.out.printf("exact resume: max |param difference| = %.3g over %,d parameters%n", maxDiff, pa.length());
        assertTrue(maxDiff < 1e-5, "parameters after resume equal straight run: max diff " + maxDiff);
        double updaterDiff = a.updaterState().sub(b.updaterState()).amaxNumber().doubleValue();
        assertTrue(updaterDiff < 1e-5, "Adam state equal: " + updaterDiff);
        List<StepMetrics> metrics = MetricsLog.read(interrupted + "/metrics.jsonl", hadoop);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), metrics.stream().map(StepMetrics::step).toList(),
                "metrics of the interrupted run past the checkpoint are replaced, not duplicated");

        // What `gemma generate --model <out>/checkpoints` does: resolve the store's newest valid checkpoint and
        // load it as a Gemma decoder; its logits are the trained network's.
        org.apache.hadoop.fs.Path resolved = CheckpointStore.resolveModelDirectory(interrupted + "/checkpoints", hadoop);
        assertEquals(new CheckpointStore(interrupted + "/checkpoints", 2, hadoop).latestValid().orElseThrow(), resolved);
        assertEquals("step-000000008", resolved.getName());
        NativeCheckpoint.Loaded loaded = NativeCheckpoint.load(resolved, hadoop, true, null);
        assertEquals(config.modelShape().vocabSize(), loaded.config().model().vocabSize());
        assertEquals(8, loaded.trainerState().get("step").asLong());
        assertEquals(b.state().iteration(), loaded.trainerState().get("iteration").asLong());
        GemmaDecoder trained = GemmaDecoder.fromWeights(loaded.config().model(), loaded.weights(), null);
        assertEquals(0.0, trained.graph().params().reshape(pb.shape()).sub(pb).amaxNumber().doubleValue(), 0.0);
        int[] prompt = {5, 17, 33, 2, 9};
        float[] logits = trained.logits(prompt).ravel().toFloatVector();
        assertTrue(logits.length > 0);
        for (float logit : logits) {
            assertTrue(Float.isFinite(logit), "finite logits from the loaded checkpoint");
        }
        assertEquals(Files.readString(tokenizer),
                Files.readString(Path.of(resolved.toUri()).resolve("tokenizer.model")), "tokenizer attached");
        assertEquals(GemmaWeights.expectedShapes(loaded.config().model()).keySet(), loaded.weights().tensors().keySet());
    }
}
