package io.gemmaspark.training.averaging;

import io.gemmaspark.training.config.SparkTrainingConfig;
import io.gemmaspark.training.metrics.WorkerMetricsListener;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.api.stats.SparkTrainingStats;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.stats.EventStats;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * DL4J parameter averaging, one round at a time. In round {@code step} the driver broadcasts parameters and Adam
 * state; each worker fits {@code averaging_frequency} minibatches of its partition at global iterations
 * {@code step * averaging_frequency + i}; the driver averages parameters and Adam state.
 */
public final class ParameterAveraging {
    private static final String TIME_SOURCE_PROPERTY = "org.deeplearning4j.spark.time.TimeSource";
    private final ComputationGraph graph;
    private final SparkComputationGraph sparkGraph;
    private final ParameterAveragingTrainingMaster master;
    private final GlobalIterationHook iterations = new GlobalIterationHook();
    private final WorkerMetricsListener workerMetrics;
    private final int averagingFrequency;

    /**
     * @param graph       the driver's model; it holds the averaged parameters and Adam state after each round
     * @param masterSeed  seeds the master (it splits a round's data only when there is more than one round's worth)
     * @param exportDir   where the {@code export} training approach writes minibatches
     * @param collectStats collect DL4J's per-phase timings (broadcast, fit, aggregation) for the benchmark
     */
    public ParameterAveraging(JavaSparkContext spark, ComputationGraph graph, SparkTrainingConfig config,
            long masterSeed, String exportDir, boolean collectStats) {
        this.graph = graph;
        this.averagingFrequency = config.averagingFrequency();
        if (collectStats) {
            // DL4J's stats default to an NTP clock (pool.ntp.org), unreachable from most clusters.
            System.setProperty(TIME_SOURCE_PROPERTY, System.getProperty(TIME_SOURCE_PROPERTY,
                    "org.deeplearning4j.spark.time.SystemClockTimeSource"));
        }
        this.master = new ParameterAveragingTrainingMaster.Builder(config.workers(), config.batchSizePerWorker())
                .batchSizePerWorker(config.batchSizePerWorker())
                .averagingFrequency(config.averagingFrequency())
                .workerPrefetchNumBatches(config.prefetchBatches())
                .saveUpdater(true) // the builder's default is false despite its javadoc: Adam state would reset
                .repartionData(config.repartition())
                .repartitionStrategy(config.repartitionStrategy())
                .rddTrainingApproach(config.trainingApproach())
                .exportDirectory(exportDir)
                .aggregationDepth(config.aggregationDepth())
                .storageLevel(StorageLevel.MEMORY_ONLY_SER())
                .rngSeed(masterSeed)
                .collectTrainingStats(collectStats)
                .trainingHooks(new java.util.ArrayList<>(List.of(iterations))) // addHook appends to this list
                .build();
        this.sparkGraph = new SparkComputationGraph(spark, graph, master);
        this.workerMetrics = new WorkerMetricsListener(spark.sc());
        sparkGraph.setListeners(List.of(workerMetrics));
    }

    /** Runs code on every worker around every minibatch (tests read what the optimiser applied this way). */
    public ParameterAveraging addHook(TrainingHook hook) {
        master.addHook(hook);
        return this;
    }

    /**
     * Trains round {@code step} on {@code minibatches}: one partition per worker, {@code averaging_frequency}
     * minibatches each, in order.
     *
     * @return loss and gradient norm averaged over every minibatch of every worker
     */
    public WorkerMetricsListener.RoundMeans fitRound(long step, JavaRDD<MultiDataSet> minibatches) {
        long first = step * averagingFrequency;
        graph.getConfiguration().setIterationCount(Math.toIntExact(first));
        iterations.startRound(first);
        sparkGraph.fitMultiDataSet(minibatches);
        return workerMetrics.takeRound();
    }

    /**
     * Held-out loss of {@code minibatches} with the driver's model, evaluated on the executors: DL4J's mean score per
     * minibatch without the weight-decay penalty that DL4J adds to it, so the data loss alone.
     */
    public double heldOutLoss(JavaRDD<MultiDataSet> minibatches, int batchSize) {
        double score = sparkGraph.calculateScoreMultiDataSet(minibatches, true, batchSize);
        return score - graph.calcRegularizationScore(true);
    }

    /** Total milliseconds by DL4J training phase, when statistics are collected. */
    public Map<String, Double> phaseMillis() {
        Map<String, Double> totals = new LinkedHashMap<>();
        SparkTrainingStats stats = sparkGraph.getSparkTrainingStats();
        if (stats == null) {
            return totals;
        }
        for (String key : stats.getKeySet()) {
            double ms = 0;
            for (EventStats event : stats.getValue(key)) {
                ms += event.getDurationMs();
            }
            totals.put(key, ms);
        }
        return totals;
    }
}
