package io.gemmaspark.training.checkpoint;

import java.util.List;
import java.util.Optional;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Where pretraining keeps its checkpoints. {@link HadoopCheckpoints} is the implementation; the model module's
 * native checkpoint store can replace it behind this interface.
 */
public interface PretrainCheckpoints {

    /** A complete, checksum-verified checkpoint. */
    record Loaded(String path, ComputationGraph graph, TrainerState state) {

        /**
         * Copies parameters, Adam state and the schedule position into {@code blank}, a graph freshly built by the
         * same model factory. Training the deserialised graph directly is wrong in DL4J M2.1: its configuration
         * after the JSON round trip lays Adam's state out differently from the one it was saved with (checked
         * here: the convolution bias got NaN after one update), and in local mode DL4J's workers later
         * release its arrays ("Op.Z argument was closed before call").
         */
        public ComputationGraph restoreInto(ComputationGraph blank) {
            blank.setParams(graph.params());
            blank.getUpdater().setStateViewArray(graph.getUpdater().getStateViewArray());
            blank.getConfiguration().setIterationCount(Math.toIntExact(state.iteration()));
            return blank;
        }
    }

    /**
     * Writes a checkpoint for {@code state.step()} atomically, moves {@code latest} to it and deletes all but
     * the newest {@code keepLast}. {@code attachments} are extra files (e.g. tokenizer.model) copied in.
     */
    String save(ComputationGraph graph, TrainerState state, String modelConfigJson, List<String> attachments);

    /**
     * The newest checkpoint that verifies, starting from {@code latest}; corrupt or partial ones are skipped with
     * a warning. Empty when none exists.
     */
    Optional<Loaded> loadLatest();

    /** Verifies a checkpoint directory's checksums; returns the problem, or empty when it is intact. */
    Optional<String> verify(String checkpointDir);
}
