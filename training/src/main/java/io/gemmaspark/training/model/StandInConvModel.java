package io.gemmaspark.training.model;

import io.gemmaspark.model.GemmaConfig;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * A small causal language model made only of stock DL4J layers: token embedding, one causal convolution over
 * the last {@value #CONTEXT} tokens at the model's hidden width, softmax over the vocabulary. It stands in for
 * the Gemma decoder while exercising the same training path (ids in, next-token ids out, per-token mask).
 * Causal padding means position t sees only tokens up to t, so it cannot peek at its label. (An LSTM was tried
 * first: on 2 shared vCPUs it learned about 10x slower per second of training.)
 */
public final class StandInConvModel implements ModelFactory {
    static final int CONTEXT = 4;

    @Override
    public ComputationGraph build(GemmaConfig shape, int seqLen, TrainingSettings training) {
        int vocab = shape.vocabSize();
        int width = shape.hiddenSize();
        ComputationGraphConfiguration conf = training.networkBuilder().graphBuilder()
                .addInputs("ids")
                .addLayer("embed", new EmbeddingSequenceLayer.Builder().nIn(vocab).nOut(width).inputLength(seqLen)
                        .outputDataFormat(RNNFormat.NCW).hasBias(false).build(), "ids")
                .addLayer("mix", new Convolution1DLayer.Builder().kernelSize(CONTEXT).nIn(width).nOut(width)
                        .convolutionMode(ConvolutionMode.Causal).rnnDataFormat(RNNFormat.NCW)
                        .activation(Activation.TANH).build(), "embed")
                .addLayer("logits", new RnnOutputLayer.Builder(LossFunctions.LossFunction.SPARSE_MCXENT)
                        .nIn(width).nOut(vocab).activation(Activation.SOFTMAX).dataFormat(RNNFormat.NCW).build(), "mix")
                .setOutputs("logits")
                .build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        return graph;
    }

    @Override
    public LabelLayout labelLayout() {
        return LabelLayout.IDS_NCW;
    }

    /** {@code RnnOutputLayer} scores the sum over time steps averaged over the minibatch. */
    @Override
    public double lossPerToken(double score, int seqLen) {
        return score / seqLen;
    }
}
