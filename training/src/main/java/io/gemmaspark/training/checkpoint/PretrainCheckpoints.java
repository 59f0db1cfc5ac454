package io.gemmaspark.training.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gemmaspark.model.checkpoint.CheckpointFormatException;
import io.gemmaspark.model.checkpoint.CheckpointStore;
import io.gemmaspark.model.checkpoint.HfConfigJson;
import io.gemmaspark.model.checkpoint.NativeCheckpoint;
import io.gemmaspark.model.decoder.GemmaDecoder;
import io.gemmaspark.util.Json;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Pretraining checkpoints of the Gemma decoder in the project's native format ({@link NativeCheckpoint} under a
 * {@link CheckpointStore}): HF config.json and model.safetensors, Adam state in updater.safetensors, the
 * {@link TrainerState} fields in trainer_state.json, and tokenizer.model, all covered by manifest.json. This is
 * the format {@code gemma generate --model <out>/checkpoints} reads.
 */
public final class PretrainCheckpoints {
    /** Name of the single updater tensor: DL4J's whole Adam state view, in the graph's own layout. */
    static final String UPDATER_VIEW = "updater";

    private final CheckpointStore store;
    private final Configuration conf;

    public PretrainCheckpoints(String root, Configuration conf, int keepLast) {
        this.store = new CheckpointStore(root, keepLast, conf);
        this.conf = conf;
    }

    /**
     * A complete, checksum-verified checkpoint.
     *
     * @param params       the flat parameter vector, in the layout of a freshly built decoder graph
     * @param updaterState the flat Adam state view, in that graph's layout
     */
    public record Loaded(String path, INDArray params, INDArray updaterState, TrainerState state) {

        /**
         * Copies parameters, Adam state and the schedule position into {@code blank}, a freshly built graph. (Training
         * a graph deserialised by DL4J directly is wrong in M2.1, see docs/dl4j-notes.md.)
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
     * Writes a checkpoint for {@code state.step()} atomically, moves {@code latest} to it and deletes all but the
     * newest {@code keepLast}. {@code attachments}: at most one file, the tokenizer.model, copied in.
     */
    public String save(ComputationGraph graph, TrainerState state, List<String> attachments) {
        if (attachments.size() > 1) {
            throw new IllegalArgumentException("a native checkpoint holds one attachment, tokenizer.model; got "
                    + attachments);
        }
        GemmaDecoder decoder = GemmaDecoder.of(graph);
        ObjectNode trainerState = Json.MAPPER.valueToTree(state);
        NativeCheckpoint.Contents contents = NativeCheckpoint.Contents.of(decoder.toWeights(),
                HfConfigJson.ModelConfig.withGemmaTokens(decoder.config()),
                Map.of(UPDATER_VIEW, graph.getUpdater().getStateViewArray()), trainerState,
                attachments.isEmpty() ? null : new Path(attachments.get(0)));
        return store.save(state.step(), contents).toString();
    }

    /**
     * The newest checkpoint that verifies, starting from {@code latest}; corrupt or partial ones are skipped with a
     * warning. Empty when none exists.
     */
    public Optional<Loaded> loadLatest() {
        return store.latestValid().map(dir -> {
            NativeCheckpoint.Loaded checkpoint = NativeCheckpoint.load(dir, conf, false /* latestValid verified it */,
                    null);
            INDArray updater = checkpoint.updaterState().get(UPDATER_VIEW);
            if (updater == null) {
                throw new CheckpointFormatException(dir + ": no " + UPDATER_VIEW
                        + " tensor in updater.safetensors; it cannot resume training");
            }
            TrainerState state;
            try {
                state = Json.MAPPER.treeToValue(checkpoint.trainerState(), TrainerState.class);
            } catch (JsonProcessingException e) {
                throw new CheckpointFormatException(dir + "/" + NativeCheckpoint.TRAINER_STATE + ": "
                        + e.getOriginalMessage(), e);
            }
            return new Loaded(dir.toString(), checkpoint.weights().flat(), updater, state);
        });
    }

    /** Verifies a checkpoint directory's checksums; returns the problem, or empty when it is intact. */
    public Optional<String> verify(String checkpointDir) {
        try {
            NativeCheckpoint.verify(new Path(checkpointDir), conf);
            return Optional.empty();
        } catch (CheckpointFormatException e) {
            return Optional.of(e.getMessage());
        }
    }
}
