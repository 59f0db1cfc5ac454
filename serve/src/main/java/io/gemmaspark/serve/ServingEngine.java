package io.gemmaspark.serve;

import io.gemmaspark.model.generation.BatchScheduler;
import io.gemmaspark.model.generation.BatchedDecoder;
import org.nd4j.linalg.factory.Nd4j;

/** A loaded model with its scheduler and request parser: what requests are served by once loading is done. */
record ServingEngine(ServedModel model, BatchScheduler scheduler, RequestParser parser) {

    static ServingEngine start(ServedModel model, ServeSettings settings) {
        int blasThreads = settings.blasThreads() > 0 ? settings.blasThreads()
                : Runtime.getRuntime().availableProcessors();
        Nd4j.factory().blas().setMaxThreads(blasThreads);
        BatchScheduler scheduler = new BatchScheduler(new BatchedDecoder(model.config(), model.tensors(),
                        settings.packedWeightsMb() * (1L << 20)),
                settings.scheduler().toSchedulerSettings());
        int context = Math.min(model.config().maxPositionEmbeddings(), scheduler.maxSequencePositions());
        return new ServingEngine(model, scheduler, new RequestParser(model, settings, context));
    }
}
