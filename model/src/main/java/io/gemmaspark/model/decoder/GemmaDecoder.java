package io.gemmaspark.model.decoder;

import io.gemmaspark.model.GemmaConfig;
import io.gemmaspark.model.GemmaWeights;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * A Gemma decoder as a trainable DL4J {@link ComputationGraph} (one input {@value #INPUT}, one layer
 * {@value #LAYER}), with Hugging Face-named weight import/export and full-sequence logits. Generation lives in
 * {@code io.gemmaspark.model.generation.Generator}, which reads the same parameter views.
 */
public final class GemmaDecoder {
    public static final String INPUT = "ids";
    public static final String LAYER = "decoder";

    private final GemmaConfig config;
    private final ComputationGraph graph;

    private GemmaDecoder(GemmaConfig config, ComputationGraph graph) {
        this.config = config;
        this.graph = graph;
    }

    /**
     * The network configuration: workspaces enabled, the given updater for every tensor, no input types (DL4J
     * would otherwise try to infer widths from the ids).
     */
    public static ComputationGraphConfiguration graphConfiguration(GemmaConfig config, DataType dtype,
            IUpdater updater, long seed) {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(dtype)
                .updater(updater)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .graphBuilder()
                .addInputs(INPUT)
                .addLayer(LAYER, new GemmaDecoderLayer(config), INPUT)
                .setOutputs(LAYER)
                .build();
    }

    /** A freshly initialised decoder (linear and embedding weights N(0, 0.02), norm weights 0). */
    public static GemmaDecoder create(GemmaConfig config, DataType dtype, IUpdater updater, long seed) {
        ComputationGraph graph = new ComputationGraph(graphConfiguration(config, dtype, updater, seed));
        graph.init();
        return new GemmaDecoder(config, graph);
    }

    /**
     * A float32 decoder over {@code weights}. When the weights come from {@link GemmaWeights#allocate} their flat
     * buffer already has this decoder's layout and becomes the network's parameters without a copy (a 2B model is
     * 10 GB); otherwise the tensors are copied in.
     *
     * @param updater the training updater, or {@code null} for inference only
     */
    public static GemmaDecoder fromWeights(GemmaConfig config, GemmaWeights weights, IUpdater updater) {
        ComputationGraph graph = new ComputationGraph(graphConfiguration(config, DataType.FLOAT,
                updater == null ? new NoOp() : updater, 0));
        INDArray flat = weights.flat();
        if (flat != null && flat.dataType() == DataType.FLOAT && flat.length() == config.parameterCount()) {
            graph.init(flat.reshape('c', 1, flat.length()), false);
            return new GemmaDecoder(config, graph);
        }
        graph.init();
        GemmaDecoder decoder = new GemmaDecoder(config, graph);
        decoder.toWeights().assign(weights);
        return decoder;
    }

    /** Wraps a graph built from {@link #graphConfiguration} (for example one trained on Spark). */
    public static GemmaDecoder of(ComputationGraph graph) {
        GemmaDecoderOutputLayer layer = (GemmaDecoderOutputLayer) graph.getLayer(LAYER);
        return new GemmaDecoder(layer.gemmaConfig(), graph);
    }

    public GemmaConfig config() {
        return config;
    }

    public ComputationGraph graph() {
        return graph;
    }

    public GemmaDecoderOutputLayer layer() {
        return (GemmaDecoderOutputLayer) graph.getLayer(LAYER);
    }

    /** Typed live views of the parameters (the network's data type). */
    public DecoderTensors tensors() {
        return layer().tensors();
    }

    /** Live views of the parameters keyed by Hugging Face name, in the network's data type. */
    public Map<String, INDArray> namedTensors() {
        return new ParamLayout(config).hfViews(graph.params());
    }

    /**
     * The parameters as {@link GemmaWeights}: live views (no copy) for a float32 network, a float32 copy
     * otherwise.
     */
    public GemmaWeights toWeights() {
        Map<String, INDArray> named = namedTensors();
        if (graph.params().dataType() == DataType.FLOAT) {
            return GemmaWeights.wrap(config, named);
        }
        GemmaWeights copy = GemmaWeights.allocate(config);
        named.forEach((name, array) -> copy.get(name).assign(array.castTo(DataType.FLOAT)));
        return copy;
    }

    /** Logits {@code [batch, T, vocab]} for rows of equal length, positions {@code 0..T-1}. */
    public INDArray logits(int[][] ids) {
        return graph.outputSingle(false, idsArray(ids)).detach();
    }

    /** Logits {@code [T, vocab]} of one sequence. */
    public INDArray logits(int[] ids) {
        INDArray out = logits(new int[][] {ids});
        return out.reshape('c', out.size(1), out.size(2));
    }

    /**
     * A next-token training batch from rows of {@code T + 1} tokens: features {@code rows[:, :-1]}, labels
     * {@code rows[:, 1:]}, and, when {@code weights} ({@code [batch][T]}, aligned with the labels) is given, the
     * per-token loss weights as the label mask (0 for padding or prompt tokens).
     */
    public static MultiDataSet nextTokenBatch(int[][] rows, float[][] weights) {
        int batch = rows.length;
        int time = rows[0].length - 1;
        int[][] features = new int[batch][time];
        int[][] labels = new int[batch][time];
        for (int b = 0; b < batch; b++) {
            if (rows[b].length != time + 1) {
                throw new IllegalArgumentException("row " + b + " has " + rows[b].length + " tokens, expected "
                        + (time + 1));
            }
            System.arraycopy(rows[b], 0, features[b], 0, time);
            System.arraycopy(rows[b], 1, labels[b], 0, time);
        }
        INDArray mask = weights == null ? null : Nd4j.createFromArray(weights);
        return new MultiDataSet(new INDArray[] {idsArray(features)}, new INDArray[] {idsArray(labels)}, null,
                mask == null ? null : new INDArray[] {mask});
    }

    /** Token ids as the float {@code [batch, T]} array the network takes. */
    public static INDArray idsArray(int[][] ids) {
        return Nd4j.createFromArray(ids).castTo(DataType.FLOAT);
    }
}
