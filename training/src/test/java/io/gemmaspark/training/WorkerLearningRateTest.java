package io.gemmaspark.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.training.config.PretrainConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The learning rate and Adam step count that the workers' optimisers applied, read from their parameter changes,
 * follow the configured warmup-cosine schedule at the global iteration {@code step * averaging_frequency + i},
 * over several rounds and across a resume.
 */
class WorkerLearningRateTest extends SparkShardsTestBase {
    private static final double PEAK = 1e-2;
    private static final int WORKERS = 2;
    private static final int AVERAGING = 3;
    private static final int WARMUP_STEPS = 2;
    private static final int STEPS = 6;

    @Test
    void workersApplyTheScheduleAtTheGlobalIterationAcrossRoundsAndAResume() throws Exception {
        long tokensPerStep = (long) WORKERS * 4 * AVERAGING * TestSpark.SEQ_LEN;
        PretrainConfig config = PretrainConfig.load("pretrain/tiny", TestSpark.overrides(shards,
                "model=" + TestSpark.smallGemmaPreset(work), "architecture=gemma-decoder",
                "spark.workers=" + WORKERS, "spark.batch_size_per_worker=4", "spark.averaging_frequency=" + AVERAGING,
                "optimizer.peak_lr=" + PEAK, "optimizer.min_lr=0", "optimizer.warmup_steps=" + WARMUP_STEPS,
                "checkpoint.every_steps=3", "validation.every_steps=100",
                "stages=[{name: all, tokens: " + STEPS * tokensPerStep + ", mixture: [{weight: 1}]}]"));
        assertEquals(STEPS, config.totalSteps());
        var optimizer = config.optimizer();
        AppliedStepProbe probe = new AppliedStepProbe(spark.sparkContext(),
                OptimizerProbe.normIndices(config.modelShape()), optimizer.eps());

        String out = work.resolve("run").toString();
        new SparkPretrainer(config, spark, out, work.toString()).addWorkerHook(probe).stopAfterSteps(3).run(false);
        new SparkPretrainer(config, spark, out, work.toString()).addWorkerHook(probe).run(true);

        List<List<AppliedStepProbe.Applied>> workerRounds = probe.workerRounds();
        assertEquals(STEPS * WORKERS, workerRounds.size(), "every worker reported every round");
        long warmup = (long) WARMUP_STEPS * AVERAGING;
        long total = (long) STEPS * AVERAGING;
        double[] changeByRound = new double[STEPS];
        double[] lossByRound = new double[STEPS];
        System.out.println("round worker minibatch  iteration   applied step   configured step");
        for (int r = 0; r < workerRounds.size(); r++) {
            int round = r / WORKERS;
            List<AppliedStepProbe.Applied> minibatches = workerRounds.get(r);
            assertEquals(AVERAGING, minibatches.size());
            for (AppliedStepProbe.Applied a : minibatches) {
                long t = (long) round * AVERAGING + a.minibatchInRound();
                double lr = OptimizerProbe.configuredLearningRate(t, PEAK, 0.0, warmup, total);
                double expected = OptimizerProbe.adamStepSize(lr, t, optimizer.beta1(), optimizer.beta2());
                System.out.printf("%5d %6d %9d %10d %14.4e %17.4e%n", round, r % WORKERS, a.minibatchInRound(), t,
                        a.stepSize(), expected);
                assertEquals(expected, a.stepSize(), 1e-2 * expected + 1e-6,
                        "round " + round + " minibatch " + a.minibatchInRound() + " trains at iteration " + t);
                changeByRound[round] += a.parameterChange() / (WORKERS * AVERAGING);
                lossByRound[round] += a.loss() / (WORKERS * AVERAGING);
            }
        }
        // The logged training loss is the mean over every minibatch of the round on every worker.
        var logged = io.gemmaspark.training.metrics.MetricsLog.read(out + "/metrics.jsonl",
                spark.sparkContext().hadoopConfiguration());
        assertEquals(STEPS, logged.size());
        for (int round = 0; round < STEPS; round++) {
            assertEquals(lossByRound[round], logged.get(round).loss(), 1e-4, "logged loss of step " + (round + 1));
        }
        // With min_lr 0 the updates decay toward zero: the last round moves the weights far less than an early one.
        System.out.printf("mean |parameter change| per update by round: %s%n", java.util.Arrays.toString(changeByRound));
        assertTrue(changeByRound[STEPS - 1] < 0.15 * changeByRound[WARMUP_STEPS],
                "last round's change " + changeByRound[STEPS - 1] + " vs " + changeByRound[WARMUP_STEPS]);
    }

    @Test
    void theHeldOutSetIsASeededSampleNotTheFirstRows() {
        var shardsA = io.gemmaspark.training.data.TokenShards.open(spark, shards, 42, 0.3);
        List<String> firstRows = shardsA.heldOut().limit(20).select("tokens").collectAsList().stream()
                .map(Object::toString).toList();
        List<String> sample = shardsA.heldOutSample(20).select("tokens").collectAsList().stream()
                .map(Object::toString).toList();
        List<String> again = io.gemmaspark.training.data.TokenShards.open(spark, shards, 42, 0.3).heldOutSample(20)
                .select("tokens").collectAsList().stream().map(Object::toString).toList();
        List<String> otherSeed = io.gemmaspark.training.data.TokenShards.open(spark, shards, 43, 0.3).heldOutSample(20)
                .select("tokens").collectAsList().stream().map(Object::toString).toList();
        assertEquals(20, sample.size());
        assertEquals(sample, again, "the same seed draws the same sample");
        assertTrue(!sample.equals(firstRows), "not the first held-out rows");
        assertTrue(!sample.equals(otherSeed), "another seed draws another sample");
        List<String> heldOut = shardsA.heldOut().select("tokens").collectAsList().stream().map(Object::toString).toList();
        assertTrue(heldOut.containsAll(sample), "drawn from the held-out rows only");
    }
}
