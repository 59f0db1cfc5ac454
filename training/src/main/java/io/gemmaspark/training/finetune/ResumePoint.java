package io.gemmaspark.training.finetune;

import java.util.function.Consumer;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Where a fine-tuning run starts: round 0, or the newest checkpoint of an interrupted run.
 *
 * @param round          rounds the checkpoint completed
 * @param tokensSeen     training tokens consumed up to it (0 where not kept)
 * @param elapsedSeconds training wall time up to it, for throughput across restarts (0 where not kept)
 * @param restore        copies the checkpoint's parameters, Adam state and iteration count into a freshly built
 *                       graph; null for a fresh start
 */
public record ResumePoint(long round, long tokensSeen, double elapsedSeconds, Consumer<ComputationGraph> restore) {
    public static final ResumePoint START = new ResumePoint(0, 0, 0, null);

    public boolean resumed() {
        return restore != null;
    }

    void restoreInto(ComputationGraph graph) {
        if (restore != null) {
            restore.accept(graph);
        }
    }
}
