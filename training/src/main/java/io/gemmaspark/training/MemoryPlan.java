package io.gemmaspark.training;

import io.gemmaspark.model.GemmaConfig;
import io.gemmaspark.util.UserError;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What one parameter-averaging worker must hold for a Gemma decoder, computed from the shape before anything
 * is allocated. Every worker keeps a full model copy, so nothing here shrinks with more workers.
 *
 * <ul>
 *   <li>parameters, gradients, Adam first and second moments: 4 x P floats;</li>
 *   <li>the averaging round's broadcast (parameters + Adam state, 3 x P floats) that stays on the executor while
 *       its worker trains;</li>
 *   <li>activations. The decoder runs inside ND4J workspaces, which free nothing until the training step ends,
 *       so what counts is every array a block allocates, per token (d model width, A = H x hd attention width,
 *       K = KV x hd key/value width, F GeGLU width, H x T attention scores against every position):
 *       <ul>
 *         <li>a block's forward pass, 8d + 6A + 6K + H x T + 5F: norms (3d each), the q, k, v projections with
 *             their head-major copies and rotary terms, the attention output and its row-major copy, the GeGLU
 *             gate, up, GELU and product;</li>
 *         <li>a block's backward pass, 10d + 7A + 7K + 2 x H x T + 5F, in a workspace of its own that is reset
 *             for every block, so one block's worth is alive at a time;</li>
 *         <li>the logits (V; the loss turns them into their gradient in place), the embedding lookup, the final
 *             norm and its backward pass (9d).</li>
 *       </ul>
 *       Kept activations: every block's forward pass. With activation recomputation
 *       ({@code GemmaDecoderLayer#activationRecompute}) only each block's input (d) is kept, and the forward
 *       pass of the block being differentiated is recomputed into the backward workspace.</li>
 * </ul>
 */
public record MemoryPlan(
        long parameters,
        long parameterBytes,
        long gradientBytes,
        long adamBytes,
        long averagingCopyBytes,
        long activationBytes,
        boolean activationRecompute,
        long budgetBytes,
        String budgetSource) {

    public static final int FLOAT_BYTES = 4;

    /**
     * @param activationRecompute whether the decoder recomputes each block's activations in the backward pass
     *                            instead of keeping them
     */
    public static MemoryPlan of(GemmaConfig shape, int seqLen, int batchSizePerWorker, boolean activationRecompute,
            long budgetBytes, String budgetSource) {
        long p = shape.parameterCount();
        long d = shape.hiddenSize();
        long a = shape.attentionWidth();
        long k = shape.kvWidth();
        long f = shape.intermediateSize();
        long scores = (long) shape.numAttentionHeads() * seqLen;
        long forward = 8 * d + 6 * a + 6 * k + scores + 5 * f;
        long backward = 10 * d + 7 * a + 7 * k + 2 * scores + 5 * f;
        long head = shape.vocabSize() + 9 * d;
        long layers = shape.numHiddenLayers();
        long perToken = activationRecompute
                ? layers * d + forward + backward + head
                : layers * forward + backward + head;
        long activations = perToken * seqLen * batchSizePerWorker * FLOAT_BYTES;
        return new MemoryPlan(p, p * FLOAT_BYTES, p * FLOAT_BYTES, 2 * p * FLOAT_BYTES, 3 * p * FLOAT_BYTES,
                activations, activationRecompute, budgetBytes, budgetSource);
    }

    public long totalBytes() {
        return parameterBytes + gradientBytes + adamBytes + averagingCopyBytes + activationBytes;
    }

    public boolean fits() {
        return totalBytes() <= budgetBytes;
    }

    public Map<String, Long> items() {
        Map<String, Long> items = new LinkedHashMap<>();
        items.put("parameters", parameterBytes);
        items.put("gradients", gradientBytes);
        items.put("adam m+v", adamBytes);
        items.put("averaging copy", averagingCopyBytes);
        items.put(activationRecompute ? "activations, recomputed" : "activations", activationBytes);
        return items;
    }

    public String describe() {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "memory plan per worker (%,d parameters, float32):%n", parameters));
        items().forEach((name, bytes) -> out.append(String.format(Locale.ROOT, "  %-24s %10s%n", name, bytes(bytes))));
        out.append(String.format(Locale.ROOT, "  %-24s %10s   budget %s (%s): %s", "total", bytes(totalBytes()),
                bytes(budgetBytes), budgetSource, fits() ? "fits" : "DOES NOT FIT"));
        return out.toString();
    }

    /** Throws a {@link UserError} naming the shortfall when the plan does not fit. */
    public void requireFits() {
        if (!fits()) {
            throw new UserError(String.format(Locale.ROOT, "memory: a worker needs %s but has %s (%s); reduce "
                    + "spark.batch_size_per_worker or seq_len, use a smaller model, or raise memory.worker_memory "
                    + "/ spark.executor.memory + memoryOverhead%n%s",
                    bytes(totalBytes()), bytes(budgetBytes), budgetSource, describe()));
        }
    }

    public static String bytes(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
        }
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
    }

    /** Parses Spark-style sizes: {@code 512m}, {@code 16g}, {@code 1t}, or plain bytes. */
    public static long parseSize(String text) {
        String s = text.strip().toLowerCase(Locale.ROOT);
        long unit = 1;
        char last = s.isEmpty() ? ' ' : s.charAt(s.length() - 1);
        if (last == 'b') {
            s = s.substring(0, s.length() - 1);
            last = s.isEmpty() ? ' ' : s.charAt(s.length() - 1);
        }
        switch (last) {
            case 'k' -> unit = 1L << 10;
            case 'm' -> unit = 1L << 20;
            case 'g' -> unit = 1L << 30;
            case 't' -> unit = 1L << 40;
            default -> unit = 1;
        }
        String number = unit == 1 ? s : s.substring(0, s.length() - 1);
        try {
            return (long) (Double.parseDouble(number) * unit);
        } catch (NumberFormatException e) {
            throw new UserError("memory.worker_memory: cannot read size '" + text + "' (expected e.g. 512m, 16g)");
        }
    }
}
