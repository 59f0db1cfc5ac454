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
 *   <li>activations kept for the backward pass, per token: each block's norms and residual inputs (4d), q, k,
 *       v and their rotated copies (3 x H x hd + 3 x KV x hd), the attention probabilities against every
 *       earlier position (H x T), the GeGLU gate, up, GELU and product (4 x ffn); plus logits and their
 *       gradient (2 x V); plus one block of backward temporaries.</li>
 * </ul>
 */
public record MemoryPlan(
        long parameters,
        long parameterBytes,
        long gradientBytes,
        long adamBytes,
        long averagingCopyBytes,
        long activationBytes,
        long budgetBytes,
        String budgetSource) {

    public static final int FLOAT_BYTES = 4;

    public static MemoryPlan of(GemmaConfig shape, int seqLen, int batchSizePerWorker, long budgetBytes,
            String budgetSource) {
        long p = shape.parameterCount();
        long perTokenPerBlock = 4L * shape.hiddenSize()
                + 3L * shape.attentionWidth() + 3L * shape.kvWidth()
                + (long) shape.numAttentionHeads() * seqLen
                + 4L * shape.intermediateSize();
        long perToken = (shape.numHiddenLayers() + 1) * perTokenPerBlock + 2L * shape.vocabSize();
        long activations = perToken * seqLen * batchSizePerWorker * FLOAT_BYTES;
        return new MemoryPlan(p, p * FLOAT_BYTES, p * FLOAT_BYTES, 2 * p * FLOAT_BYTES, 3 * p * FLOAT_BYTES,
                activations, budgetBytes, budgetSource);
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
        items.put("activations", activationBytes);
        return items;
    }

    public String describe() {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "memory plan per worker (%,d parameters, float32):%n", parameters));
        items().forEach((name, bytes) -> out.append(String.format(Locale.ROOT, "  %-16s %10s%n", name, bytes(bytes))));
        out.append(String.format(Locale.ROOT, "  %-16s %10s   budget %s (%s): %s", "total", bytes(totalBytes()),
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
