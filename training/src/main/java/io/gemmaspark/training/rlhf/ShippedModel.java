package io.gemmaspark.training.rlhf;

import java.io.Serializable;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A network as it is broadcast to executors: DL4J's JSON configuration and the flat parameters (float32). An
 * executor rebuilds the graph from them; nothing of the driver's graph object travels.
 */
final class ShippedModel implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String configuration;
    private final float[] parameters;

    private ShippedModel(String configuration, float[] parameters) {
        this.configuration = configuration;
        this.parameters = parameters;
    }

    /** A snapshot of {@code graph}'s current parameters. */
    static ShippedModel of(ComputationGraph graph) {
        return new ShippedModel(graph.getConfiguration().toJson(),
                graph.params().castTo(DataType.FLOAT).toFloatVector());
    }

    /** A new graph over a copy of the shipped parameters (for inference). */
    ComputationGraph graph() {
        ComputationGraphConfiguration conf = ComputationGraphConfiguration.fromJson(configuration);
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init(Nd4j.createFromArray(parameters).castTo(conf.getDataType()).reshape('c', 1, parameters.length),
                false);
        return graph;
    }
}
