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
public final class NativeCheckpoints implements PretrainCheckpoints {
    /** Name of the single updater tensor: DL4J's whole Adam state view, in the graph's own layout. */
    static final String UPDATER_VIEW = "updater";

    private final CheckpointStore store;
    private final Configuration conf;

    public NativeCheckpoints(String root, Configuration conf, int keepLast) {
        this.store = new CheckpointStore(root, keepLast, conf);
        this.conf = conf;
    }

    /** {@code modelConfigJson} is not needed: config.json is written from the decoder's own configuration. */
    @Override
    public String save(ComputationGraph graph, TrainerState state, String modelConfigJson, List<String> attachments) {
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

    @Override
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

    @Override
    public Optional<String> verify(String checkpointDir) {
        try {
            NativeCheckpoint.verify(new Path(checkpointDir), conf);
            return Optional.empty();
        } catch (CheckpointFormatException e) {
            return Optional.of(e.getMessage());
        }
    }
}
