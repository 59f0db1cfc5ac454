package io.gemmaspark.training.reward;

import io.gemmaspark.model.GemmaConfig;
import io.gemmaspark.model.GemmaWeights;
import io.gemmaspark.model.checkpoint.CheckpointStore;
import io.gemmaspark.model.checkpoint.HfCheckpoint;
import io.gemmaspark.model.checkpoint.SafetensorsSet;
import io.gemmaspark.model.decoder.GemmaRewardParamInitializer;
import io.gemmaspark.training.model.RewardModel;
import io.gemmaspark.util.UserError;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * Loads a reward model written by {@link SparkRewardTrainer} (HF sequence-classification layout: the decoder's
 * tensors plus {@code score.weight}) into an inference graph.
 */
public final class RewardCheckpoint {
    private RewardCheckpoint() {
    }

    public static ComputationGraph load(String path, Configuration conf) {
        Path dir = CheckpointStore.resolveModelDirectory(path, conf);
        GemmaConfig shape = HfCheckpoint.readConfig(dir, conf).model();
        GemmaWeights backbone = GemmaWeights.allocate(shape);
        ComputationGraph graph = inferenceGraph(shape, null);
        try (SafetensorsSet tensors = SafetensorsSet.open(dir, HfCheckpoint.MODEL, conf)) {
            if (!tensors.contains(SparkRewardTrainer.SCORE_WEIGHT)) {
                throw new UserError(dir + ": no " + SparkRewardTrainer.SCORE_WEIGHT + "; not a reward model");
            }
            backbone.tensors().forEach(tensors::readInto);
            var score = Nd4j.create(DataType.FLOAT, 1, shape.hiddenSize());
            tensors.readInto(SparkRewardTrainer.SCORE_WEIGHT, score);
            RewardModel.copyBackbone(backbone, graph);
            graph.getLayer(RewardModel.LAYER).getParam(GemmaRewardParamInitializer.SCORE).assign(score);
        }
        return graph;
    }

    /**
     * A float32 reward graph for inference: initialised afresh when {@code flatParams} is null, otherwise over
     * those parameters (the layout of {@code graph.params()}, as broadcast to executors).
     */
    public static ComputationGraph inferenceGraph(GemmaConfig shape, float[] flatParams) {
        ComputationGraph graph = new ComputationGraph(new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder()
                .dataType(DataType.FLOAT).updater(new NoOp()).graphBuilder().addInputs("ids")
                .addLayer(RewardModel.LAYER, new io.gemmaspark.model.decoder.GemmaRewardLayer(shape, 0), "ids")
                .setOutputs(RewardModel.LAYER).build());
        if (flatParams == null) {
            graph.init();
        } else {
            graph.init(Nd4j.createFromArray(flatParams).reshape('c', 1, flatParams.length), false);
        }
        return graph;
    }
}
