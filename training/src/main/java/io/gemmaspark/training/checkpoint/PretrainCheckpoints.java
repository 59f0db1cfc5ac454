package io.gemmaspark.training.checkpoint;

import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Where pretraining keeps its checkpoints; {@link #forArchitecture} picks the format. */
public interface PretrainCheckpoints {

    /** The directory name (under the checkpoint root) naming the newest complete checkpoint, in every format. */
    String LATEST = "latest";

    /**
     * The one place the checkpoint format is chosen. The Gemma decoder is saved in the project's native format
     * ({@link NativeCheckpoints}), which generation, SFT and conversion read. The stand-in architecture
     * ({@code standin-conv}) is not a Gemma shape, so it has no HF names or config.json; it keeps DL4J's own
     * serialisation ({@link HadoopCheckpoints}), used only by tests.
     */
    static PretrainCheckpoints forArchitecture(String architecture, String root, Configuration conf, int keepLast) {
        return "gemma-decoder".equals(architecture) ? new NativeCheckpoints(root, conf, keepLast)
                : new HadoopCheckpoints(root, conf, keepLast);
    }

    /**
     * A complete, checksum-verified checkpoint.
     *
     * @param params       the flat parameter vector, in the layout of a graph built by the same model factory
     * @param updaterState the flat Adam state view, in that graph's layout
     */
    record Loaded(String path, INDArray params, INDArray updaterState, TrainerState state) {

        /**
         * Copies parameters, Adam state and the schedule position into {@code blank}, a graph freshly built by the
         * same model factory. (For {@link HadoopCheckpoints}: training the deserialised graph directly is wrong in DL4J M2.1: its configuration
         * after the JSON round trip lays Adam's state out differently from the one it was saved with (checked
         * here: the convolution bias got NaN after one update), and in local mode DL4J's workers later
         * release its arrays ("Op.Z argument was closed before call").)
         */
        public ComputationGraph restoreInto(ComputationGraph blank) {
            blank.setParams(params.reshape(blank.params().shape()));
            blank.getUpdater().setStateViewArray(updaterState.reshape(blank.getUpdater().getStateViewArray().shape()));
            // Adam's bias correction depends on the iteration count; without it the next step differs.
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
