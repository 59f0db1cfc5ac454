package io.gemmaspark.training.config;

import io.gemmaspark.config.Default;
import io.gemmaspark.config.Range;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.api.RepartitionStrategy;

/**
 * How DL4J's {@code ParameterAveragingTrainingMaster} distributes the work.
 *
 * @param workers               parameter-averaging workers (Spark task slots); each holds a full model copy
 * @param batchSizePerWorker    sequences per minibatch on each worker
 * @param averagingFrequency    minibatches each worker fits between two averaging rounds
 * @param prefetchBatches       minibatches each worker prefetches asynchronously (0: none)
 * @param repartition           when the master repartitions a step's data. The data source already emits one
 *                              partition per worker in the deterministic order, so the default leaves it alone;
 *                              {@code always} reshuffles and gives up exact resume
 * @param repartitionStrategy   how it repartitions when it does
 * @param trainingApproach      {@code direct} hands the step's minibatches to the workers; {@code export}
 *                              first writes them under the export directory (the job work dir)
 * @param aggregationDepth      depth of the tree aggregation that sums worker parameters
 */
public record SparkTrainingConfig(
        @Range(min = 1) int workers,
        @Range(min = 1) int batchSizePerWorker,
        @Range(min = 1) @Default("4") int averagingFrequency,
        @Range(min = 0) @Default("2") int prefetchBatches,
        @Default("NumPartitionsWorkersDiffers") Repartition repartition,
        @Default("Balanced") RepartitionStrategy repartitionStrategy,
        @Default("Direct") RDDTrainingApproach trainingApproach,
        @Range(min = 1) @Default("2") int aggregationDepth) {
}
