package io.gemmaspark.training.averaging;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.training.OptimizerProbe;
import io.gemmaspark.training.WarmupCosineSchedule;
import io.gemmaspark.training.config.OptimizerConfig;
import io.gemmaspark.training.config.SparkTrainingConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.api.RepartitionStrategy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Parameter averaging on Spark against training on one machine, done by hand with plain DL4J (the method of DL4J's
 * own {@code TestCompareParameterAveragingSparkVsSingleMachine}), on the Gemma decoder with AdamW, clipping and a
 * warmup-cosine schedule short enough that every iteration count matters.
 */
class ParameterAveragingEquivalenceTest {
    private static final int SEQ = 16;
    private static final int BATCH = 4;
    private static final OptimizerConfig ADAMW = new OptimizerConfig(1e-2, 1e-3, 0, 0.9, 0.95, 1e-8, 0.1, 1.0);

    @TempDir
    static Path work;
    static SparkSession spark;
    static JavaSparkContext jsc;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("averaging-test")
                .config("spark.ui.enabled", "false")
                .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .config("spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator")
                .getOrCreate();
        jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static ComputationGraph gemma(long totalIterations) {
        return OptimizerProbe.gemma(OptimizerProbe.SMALL_GEMMA, SEQ, ADAMW,
                new WarmupCosineSchedule(1e-2, 1e-3, 2, totalIterations));
    }

    private static ParameterAveraging averaging(ComputationGraph graph, int workers, int frequency) {
        SparkTrainingConfig config = new SparkTrainingConfig(workers, BATCH, frequency, 0,
                Repartition.NumPartitionsWorkersDiffers, RepartitionStrategy.Balanced, RDDTrainingApproach.Direct, 2);
        return new ParameterAveraging(jsc, graph, config, 1, work.resolve("export").toString(), false);
    }

    private static List<MultiDataSet> batches(int count, long seed) {
        Random random = new Random(seed);
        List<MultiDataSet> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(OptimizerProbe.randomBatch(random, BATCH, SEQ, 256));
        }
        return list;
    }

    /** On a cluster the configuration reaches executors through Spark's Kryo broadcast (local mode skips it). */
    @Test
    void theTrainingConfigurationSurvivesSparksKryoSerializer() {
        var conf = gemma(10).getConfiguration();
        var kryo = new org.apache.spark.serializer.KryoSerializer(spark.sparkContext().getConf()).newInstance();
        var tag = scala.reflect.ClassTag$.MODULE$.<org.deeplearning4j.nn.conf.ComputationGraphConfiguration>apply(
                org.deeplearning4j.nn.conf.ComputationGraphConfiguration.class);
        var copy = kryo.deserialize(kryo.serialize(conf, tag), tag);
        org.junit.jupiter.api.Assertions.assertEquals(conf.toJson(), copy.toJson());
    }

    @Test
    void oneWorkerAveragingEveryMinibatchEqualsSingleMachineTraining() {
        int steps = 5;
        List<MultiDataSet> data = batches(steps, 11);
        ComputationGraph distributed = gemma(steps);
        ComputationGraph single = gemma(steps);
        ParameterAveraging rounds = averaging(distributed, 1, 1);
        for (int step = 0; step < steps; step++) {
            rounds.fitRound(step, jsc.parallelize(List.of(data.get(step)), 1));
            single.fit(data.get(step));
        }
        assertClose("1 worker x 1 minibatch vs single machine", single, distributed);
    }

    @Test
    void twoWorkersEqualTheAverageOfTwoSingleMachineRuns() {
        int workers = 2;
        int frequency = 2;
        int steps = 3;
        List<MultiDataSet> data = batches(steps * workers * frequency, 12);
        ComputationGraph distributed = gemma((long) steps * frequency);
        ComputationGraph reference = gemma((long) steps * frequency);
        ParameterAveraging rounds = averaging(distributed, workers, frequency);
        for (int step = 0; step < steps; step++) {
            List<MultiDataSet> round = data.subList(step * workers * frequency, (step + 1) * workers * frequency);
            rounds.fitRound(step, jsc.parallelize(round, workers)); // worker w gets minibatches w*frequency ...

            INDArray params = reference.params().dup();
            INDArray adam = reference.getUpdater().getStateViewArray().dup();
            INDArray paramSum = null;
            INDArray adamSum = null;
            for (int w = 0; w < workers; w++) {
                ComputationGraph worker = gemma((long) steps * frequency);
                worker.setParams(params.dup());
                worker.getUpdater().setStateViewArray(adam.dup());
                worker.getConfiguration().setIterationCount(step * frequency);
                for (int i = 0; i < frequency; i++) {
                    worker.fit(round.get(w * frequency + i));
                }
                paramSum = paramSum == null ? worker.params().dup() : paramSum.addi(worker.params());
                adamSum = adamSum == null ? worker.getUpdater().getStateViewArray().dup()
                        : adamSum.addi(worker.getUpdater().getStateViewArray());
            }
            reference.setParams(paramSum.divi(workers));
            reference.getUpdater().setStateViewArray(adamSum.divi(workers));
        }
        assertClose("2 workers x 2 minibatches vs hand-averaged single-machine runs", reference, distributed);
    }

    private static void assertClose(String what, ComputationGraph expected, ComputationGraph actual) {
        double params = expected.params().sub(actual.params()).amaxNumber().doubleValue();
        double adam = expected.getUpdater().getStateViewArray().sub(actual.getUpdater().getStateViewArray())
                .amaxNumber().doubleValue();
        double moved = expected.params().sub(gemma(10).params()).amaxNumber().doubleValue();
        System.out.printf("%s: max |param diff| %.2e, max |Adam state diff| %.2e (training moved params by up to %.2e)%n",
                what, params, adam, moved);
        assertTrue(moved > 1e-3, "training moved the parameters");
        assertTrue(params <= 1e-6, what + ": parameters differ by " + params);
        assertTrue(adam <= 1e-6, what + ": Adam state differs by " + adam);
    }
}
