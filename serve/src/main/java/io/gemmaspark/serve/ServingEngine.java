package io.gemmaspark.serve;

import io.gemmaspark.model.generation.BatchScheduler;
import io.gemmaspark.model.generation.BatchedDecoder;

/** A loaded model with its scheduler and request parser: what requests are served by once loading is done. */
record ServingEngine(ServedModel model, BatchScheduler scheduler, RequestParser parser) {

    static ServingEngine start(ServedModel model, ServeSettings settings) {
        BatchScheduler scheduler = new BatchScheduler(new BatchedDecoder(model.config(), model.tensors()),
                settings.scheduler().toSchedulerSettings());
        int context = Math.min(model.config().maxPositionEmbeddings(), scheduler.maxSequencePositions());
        return new ServingEngine(model, scheduler, new RequestParser(model, settings, context));
    }
}
