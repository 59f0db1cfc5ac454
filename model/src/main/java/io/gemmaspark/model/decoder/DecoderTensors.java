package io.gemmaspark.model.decoder;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Typed access to the decoder's tensors, all views of one flat vector. The same class names the parameters and,
 * laid over the gradient vector, their gradients, so forward and backward read like the math.
 */
public final class DecoderTensors {

    /**
     * One transformer block; linear weights are {@code [out, in]}. {@code qkv} and {@code gateUp} are the
     * projections that read the same input stacked into one {@code [out1 + out2 (+ out3), in]} view, when the
     * tensors lie back to back in one buffer ({@link ParamLayout} places them so), else null: one product then
     * reads them, one call instead of three or two (per-call cost dominates single-token decoding).
     */
    public record Block(INDArray inputNorm, INDArray q, INDArray k, INDArray v, INDArray o,
                        INDArray postNorm, INDArray gate, INDArray up, INDArray down, INDArray qkv,
                        INDArray gateUp) {
        public Block(INDArray inputNorm, INDArray q, INDArray k, INDArray v, INDArray o, INDArray postNorm,
                     INDArray gate, INDArray up, INDArray down) {
            this(inputNorm, q, k, v, o, postNorm, gate, up, down, Kernels.stackedRows(q, k, v),
                    Kernels.stackedRows(gate, up));
        }
    }

    public final INDArray embed;
    public final List<Block> blocks;
    public final INDArray finalNorm;

    private DecoderTensors(INDArray embed, List<Block> blocks, INDArray finalNorm) {
        this.embed = embed;
        this.blocks = List.copyOf(blocks);
        this.finalNorm = finalNorm;
    }

    /** Typed views over {@code byKey}, a map from {@link ParamLayout} keys to arrays. */
    public static DecoderTensors of(Map<String, INDArray> byKey, int numLayers) {
        List<Block> blocks = new ArrayList<>(numLayers);
        for (int i = 0; i < numLayers; i++) {
            String p = "l" + i;
            blocks.add(new Block(byKey.get(p + "inputnorm"), byKey.get(p + "q"), byKey.get(p + "k"),
                    byKey.get(p + "v"), byKey.get(p + "o"), byKey.get(p + "postnorm"), byKey.get(p + "gate"),
                    byKey.get(p + "up"), byKey.get(p + "down")));
        }
        return new DecoderTensors(byKey.get("embed"), blocks, byKey.get("norm"));
    }
}
