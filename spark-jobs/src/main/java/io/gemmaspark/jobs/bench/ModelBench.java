package io.gemmaspark.jobs.bench;

import io.gemmaspark.jobs.CommonOptions;
import io.gemmaspark.jobs.SparkSupport;
import io.gemmaspark.model.GemmaConfig;
import io.gemmaspark.model.GemmaWeights;
import io.gemmaspark.model.decoder.GemmaDecoder;
import io.gemmaspark.model.decoder.PackedWeights;
import io.gemmaspark.model.decoder.PanelKernel;
import io.gemmaspark.model.generation.BatchScheduler;
import io.gemmaspark.model.generation.BatchedDecoder;
import io.gemmaspark.model.generation.CollectedSequence;
import io.gemmaspark.model.generation.GenerationOptions;
import io.gemmaspark.model.generation.Generator;
import io.gemmaspark.model.generation.SchedulerSettings;
import io.gemmaspark.model.generation.SequenceListener;
import io.gemmaspark.util.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.impl.UniformDistribution;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import picocli.CommandLine.Option;

/**
 * {@code bin/gemma bench model}: the decoder's speed on this machine.
 * <ul>
 *   <li>measured peaks: SGEMM GFLOP/s and the memory read bandwidth of one-row products, the faster of OpenBLAS's
 *       gemv and the packed kernel's;</li>
 *   <li>training tokens/s (forward + backward + Adam, float32, workspaces on) for the {@code tiny} and
 *       {@code small} presets, and for two shapes with a known PyTorch 1.13 + OpenBLAS time on a 2-core machine,
 *       with model FLOPs utilisation (6N + 12 L T d_attn FLOPs per token) against the measured SGEMM peak;</li>
 *   <li>decode tokens/s with the KV cache, for tiny, small and a random-weight full gemma-2b in float32, the latter
 *       against the bandwidth bound (all weights are read once per token).</li>
 * </ul>
 * Threads as docs/dl4j-notes.md explains: OMP_NUM_THREADS=1 (bin/gemma), BLAS threads = cores.
 */
public final class ModelBench {
    private ModelBench() {
    }

    public static final class Options {
        @Option(names = "--model-train-steps", paramLabel = "N",
                description = "bench model: timed training steps per shape after 2 warm-up steps (default: 5).")
        public int trainSteps = 5;

        @Option(names = "--model-decode-tokens", paramLabel = "N",
                description = "bench model: tokens decoded per small model (default: 64).")
        public int decodeTokens = 64;

        @Option(names = "--model-2b-tokens", paramLabel = "N",
                description = "bench model: tokens decoded by the random-weight gemma-2b, 0 to skip (default: 8).")
        public int gemma2bTokens = 8;

        @Option(names = "--model-decode-only", description = "bench model: skip the training shapes.")
        public boolean decodeOnly;

        @Option(names = "--model-streams", paramLabel = "N",
                description = "bench model: concurrent streams for the batched decode of small (default: 16).")
        public int streams = 16;

        @Option(names = "--model-decode-repeats", paramLabel = "N",
                description = "bench model: timed runs per batched decode after the warm-up run; the median is "
                        + "reported with the range (default: 3).")
        public int decodeRepeats = 3;

        @Option(names = "--model-packed-weights-mb", paramLabel = "MB",
                description = "bench model: heap for the batched decoder's packed weights, as packed_weights_mb in "
                        + "conf/serve; small is also run with its weights as given, side by side (default: 2048).")
        public int packedWeightsMb = 2048;
    }

    /** A training shape: model, batch and sequence length, and PyTorch's ms/step on it when known (else NaN). */
    private record TrainShape(String label, GemmaConfig config, int batch, int time, double pytorchMs) {}

    public static int run(CommonOptions common, Options options) throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        Nd4j.factory().blas().setMaxThreads(cores);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("cores", cores);
        summary.put("omp_num_threads", System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"));
        summary.put("blas_threads", cores);

        double peakGflops = sgemmPeak();
        double[] probes = readBandwidths();
        // The bound takes the faster reader: a bound that a decoder beats says nothing.
        double bandwidth = Math.max(probes[0], probes[1]);
        summary.put("sgemm_peak_gflops", peakGflops);
        summary.put("gemv_read_bandwidth_gb_per_s", probes[0] / 1e9);
        summary.put("packed_read_bandwidth_gb_per_s", probes[1] / 1e9);
        summary.put("read_bandwidth_gb_per_s", bandwidth / 1e9);
        System.out.printf(Locale.ROOT, "bench model: SGEMM peak %.1f GFLOP/s, matrix-vector read bandwidth %.1f GB/s "
                + "(OpenBLAS gemv %.1f, packed %s kernel %.1f; %d cores, BLAS threads %d)%n", peakGflops,
                bandwidth / 1e9, probes[0] / 1e9, PanelKernel.preferred().label(),
                probes[1] / 1e9, cores, cores);

        List<TrainShape> shapes = List.of(
                new TrainShape("tiny", GemmaConfig.preset("tiny"), 16, 128, Double.NaN),
                new TrainShape("small", GemmaConfig.preset("small"), 8, 256, Double.NaN),
                new TrainShape("pytorch-shape-a", new GemmaConfig("pytorch-shape-a", 512, 64, 2, 4, 1, 16, 256, 64,
                        10000, 1e-6), 16, 64, 35),
                new TrainShape("pytorch-shape-b", new GemmaConfig("pytorch-shape-b", 8000, 256, 4, 4, 1, 64, 1024,
                        256, 10000, 1e-6), 8, 256, 1363));
        List<Map<String, Object>> training = new ArrayList<>();
        for (TrainShape shape : options.decodeOnly ? List.<TrainShape>of() : shapes) {
            training.add(train(shape, options.trainSteps, peakGflops));
        }
        summary.put("training", training);

        List<Map<String, Object>> decoding = new ArrayList<>();
        long packedBytes = options.packedWeightsMb * (1L << 20);
        for (String preset : List.of("tiny", "small")) {
            GemmaDecoder decoder = GemmaDecoder.create(GemmaConfig.preset(preset), DataType.FLOAT, new Adam(1e-3), 1);
            decoding.add(decode(preset, decoder, options.decodeTokens, bandwidth));
            if (preset.equals("small")) {
                // Packed weights with each panel kernel that runs here, beside the weights as given (OpenBLAS and
                // FewRowProduct), the peer, in one run.
                List<Layout> layouts = new ArrayList<>();
                for (PanelKernel kernel : List.of(PanelKernel.NATIVE, PanelKernel.JAVA)) {
                    if (packedBytes > 0 && kernel.available()) {
                        layouts.add(new Layout(packedBytes, kernel));
                    }
                }
                layouts.add(Layout.AS_GIVEN);
                decoding.addAll(decodeBatched(preset, decoder, layouts, List.of(1, options.streams),
                        options.decodeTokens, options.decodeRepeats, bandwidth));
            }
        }
        if (options.gemma2bTokens > 0) {
            decoding.addAll(decodeGemma2b(options.gemma2bTokens, bandwidth, packedBytes));
        }
        summary.put("decoding", decoding);

        Path dir = common.out != null ? Path.of(common.out) : SparkSupport.workDir().resolve("bench").resolve("model");
        Files.createDirectories(dir);
        Path report = dir.resolve("bench-model.json");
        Json.write(summary, new org.apache.hadoop.fs.Path(report.toUri()), new org.apache.hadoop.conf.Configuration());
        System.out.println("bench model: figures in " + report);
        return 0;
    }

    /** Best GFLOP/s of square float32 matrix products at a few sizes. */
    private static double sgemmPeak() {
        double best = 0;
        for (int n : new int[] {512, 1024, 2048}) {
            INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
            INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
            INDArray c = Nd4j.create(DataType.FLOAT, n, n);
            double seconds = secondsPerCall(() -> Nd4j.gemm(a, b, c, false, false, 1.0, 0.0), 1.5);
            best = Math.max(best, 2.0 * n * n * n / seconds / 1e9);
        }
        return best;
    }

    /**
     * Bytes/s of one-row products over a 1 GiB float32 matrix, what each single-stream decode step does to the
     * weights: BLAS gemv on the matrix as given, and {@link PackedWeights}' kernel on a packed copy.
     */
    private static double[] readBandwidths() {
        int rows = 16384;
        int cols = 16384;
        INDArray matrix = Nd4j.rand(DataType.FLOAT, rows, cols);
        INDArray x = Nd4j.rand(DataType.FLOAT, 1, cols);
        INDArray y = Nd4j.create(DataType.FLOAT, 1, rows);
        INDArray vector = x.reshape('c', new long[] {cols});
        INDArray out = y.reshape('c', new long[] {rows});
        double gemv = secondsPerCall(() -> Nd4j.getBlasWrapper().level2().gemv('c', 'N', 1.0, matrix, vector, 0.0,
                out), 2.0);
        PackedWeights packed = PackedWeights.pack(matrix, PanelKernel.preferred());
        matrix.close();
        double panels = secondsPerCall(() -> packed.multiply(x, y, false), 2.0);
        return new double[] {4.0 * rows * cols / gemv, 4.0 * rows * cols / panels};
    }

    /** Mean seconds per call of {@code op}, after one warm-up call, over at least {@code budget} seconds. */
    private static double secondsPerCall(Runnable op, double budget) {
        op.run();
        int calls = 0;
        long start = System.nanoTime();
        do {
            op.run();
            calls++;
        } while (System.nanoTime() - start < budget * 1e9);
        return (System.nanoTime() - start) / 1e9 / calls;
    }

    private static Map<String, Object> train(TrainShape shape, int steps, double peakGflops) {
        GemmaConfig config = shape.config();
        GemmaDecoder decoder = GemmaDecoder.create(config, DataType.FLOAT, new Adam(3e-4), 1);
        Random random = new Random(1);
        int[][] rows = new int[shape.batch()][shape.time() + 1];
        for (int[] row : rows) {
            for (int t = 0; t < row.length; t++) {
                row[t] = random.nextInt(config.vocabSize());
            }
        }
        MultiDataSet batch = GemmaDecoder.nextTokenBatch(rows, null);
        for (int i = 0; i < 2; i++) {
            decoder.graph().fit(batch);
        }
        long start = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            decoder.graph().fit(batch);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double msPerStep = seconds * 1000 / steps;
        long tokens = (long) shape.batch() * shape.time() * steps;
        double tokensPerSecond = tokens / seconds;
        double flopsPerToken = 6.0 * config.parameterCount()
                + 12.0 * config.numHiddenLayers() * config.attentionWidth() * shape.time();
        double mfu = flopsPerToken * tokensPerSecond / (peakGflops * 1e9);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("shape", shape.label());
        r.put("parameters", config.parameterCount());
        r.put("batch", shape.batch());
        r.put("seq_len", shape.time());
        r.put("ms_per_step", msPerStep);
        r.put("tokens_per_second", tokensPerSecond);
        r.put("model_flops_utilisation", mfu);
        r.put("final_loss", decoder.graph().score());
        String versus = "";
        if (!Double.isNaN(shape.pytorchMs())) {
            r.put("pytorch_ms_per_step", shape.pytorchMs());
            r.put("speedup_vs_pytorch", shape.pytorchMs() / msPerStep);
            versus = String.format(Locale.ROOT, ", PyTorch %.0f ms/step (%.2fx)", shape.pytorchMs(),
                    shape.pytorchMs() / msPerStep);
        }
        System.out.printf(Locale.ROOT, "bench model: train %-16s %,11d params, batch %d x %d: %8.1f ms/step, "
                        + "%,8.0f tokens/s, MFU %.1f%%%s%n", shape.label(), config.parameterCount(), shape.batch(),
                shape.time(), msPerStep, tokensPerSecond, 100 * mfu, versus);
        return r;
    }

    private static Map<String, Object> decode(String label, GemmaDecoder decoder, int tokens, double bandwidth) {
        return decode(label, decoder.config(), new Generator(decoder), tokens, bandwidth);
    }

    private static Map<String, Object> decode(String label, GemmaConfig config, Generator generator, int tokens,
            double bandwidth) {
        int[] prompt = new int[8];
        Random random = new Random(2);
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = 2 + random.nextInt(config.vocabSize() - 2);
        }
        long prefillStart = System.nanoTime();
        Generator.Session session = generator.start(new int[][] {prompt}, tokens + 1);
        double prefillSeconds = (System.nanoTime() - prefillStart) / 1e9;
        // One untimed step warms the workspace for single-token steps.
        session.append(new int[] {argmax(session.logits())});
        long start = System.nanoTime();
        for (int i = 0; i < tokens; i++) {
            session.append(new int[] {argmax(session.logits())});
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double tokensPerSecond = tokens / seconds;
        double boundTokensPerSecond = bandwidth / (4.0 * config.parameterCount());
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("model", label);
        r.put("parameters", config.parameterCount());
        r.put("prompt_tokens", prompt.length);
        r.put("prefill_seconds", prefillSeconds);
        r.put("decoded_tokens", tokens);
        r.put("decode_tokens_per_second", tokensPerSecond);
        r.put("bandwidth_bound_tokens_per_second", boundTokensPerSecond);
        r.put("fraction_of_bound", tokensPerSecond / boundTokensPerSecond);
        System.out.printf(Locale.ROOT, "bench model: decode %-9s %,14d params: %9.2f tokens/s with the KV cache "
                        + "(bandwidth bound %.2f tokens/s, %.0f%%), prefill of %d tokens %.2f s%n", label,
                config.parameterCount(), tokensPerSecond, boundTokensPerSecond,
                100 * tokensPerSecond / boundTokensPerSecond, prompt.length, prefillSeconds);
        return r;
    }

    /** Packed copies within {@code packedBytes} of heap for {@code kernel}, or the weights as given (null kernel). */
    private record Layout(long packedBytes, PanelKernel kernel) {
        static final Layout AS_GIVEN = new Layout(0, null);

        static Layout preferred(long packedBytes) {
            return packedBytes > 0 ? new Layout(packedBytes, PanelKernel.preferred()) : AS_GIVEN;
        }

        BatchedDecoder decoder(GemmaConfig config, GemmaDecoder decoder) {
            return kernel == null ? new BatchedDecoder(config, decoder.tensors(), 0)
                    : new BatchedDecoder(config, decoder.tensors(), packedBytes, kernel);
        }
    }

    /**
     * Decode tokens/s through the continuous-batching scheduler (one batched pass per step) for each weight layout
     * and each number of streams, against the bandwidth bound of one stream and against one stream of the same layout.
     * After a warm-up run of every combination, the timed runs go round-robin, combination by combination, so that
     * drifts of a shared machine fall on all of them alike; each figure is the median of its runs.
     */
    private static List<Map<String, Object>> decodeBatched(String label, GemmaDecoder decoder, List<Layout> layouts,
            List<Integer> streamCounts, int tokens, int repeats, double bandwidth) throws Exception {
        GemmaConfig config = decoder.config();
        int most = streamCounts.stream().max(Integer::compare).orElseThrow();
        SchedulerSettings settings = new SchedulerSettings(most, 512, Integer.MAX_VALUE, 16, most * (tokens + 48));
        Random random = new Random(3);
        List<BatchScheduler> schedulers = new ArrayList<>();
        List<String> weights = new ArrayList<>();
        double[][][] runs = new double[layouts.size()][streamCounts.size()][Math.max(1, repeats)];
        try {
            for (Layout layout : layouts) {
                BatchedDecoder batched = layout.decoder(config, decoder);
                weights.add(batched.packedWeights()
                        ? "packed " + batched.panelKernel().label() : "as given");
                schedulers.add(new BatchScheduler(batched, settings));
            }
            // Warm-up: workspaces, tables, and the JIT compiling the host-memory kernels.
            for (BatchScheduler scheduler : schedulers) {
                for (int streams : streamCounts) {
                    runStreams(scheduler, streams, 8, tokens, random, config);
                }
            }
            for (int i = 0; i < runs[0][0].length; i++) {
                for (int l = 0; l < layouts.size(); l++) {
                    for (int s = 0; s < streamCounts.size(); s++) {
                        // Decode only: from the first token (the prompts' prefill step) to the last, tokens - 1 steps.
                        int streams = streamCounts.get(s);
                        runs[l][s][i] = streams * (tokens - 1)
                                / runStreams(schedulers.get(l), streams, 8, tokens, random, config);
                    }
                }
            }
        } finally {
            for (BatchScheduler scheduler : schedulers) {
                scheduler.close();
            }
        }
        List<Map<String, Object>> results = new ArrayList<>();
        for (int l = 0; l < layouts.size(); l++) {
            Double single = null;
            for (int s = 0; s < streamCounts.size(); s++) {
                Map<String, Object> r = batchedResult(label, weights.get(l), streamCounts.get(s), tokens, runs[l][s],
                        bandwidth / (4.0 * config.parameterCount()), single);
                single = streamCounts.get(s) == 1 ? (Double) r.get("aggregate_tokens_per_second") : single;
                results.add(r);
            }
        }
        return results;
    }

    /** One combination's figures, printed and returned; {@code singleStream} is null for one stream itself. */
    private static Map<String, Object> batchedResult(String label, String weights, int streams, int tokens,
            double[] runs, double bound, Double singleStream) {
        // The median of several runs: on a shared virtual machine single runs of one stream varied by half.
        double[] sorted = runs.clone();
        Arrays.sort(sorted);
        double aggregate = sorted[sorted.length / 2];
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("model", label);
        r.put("path", "batched scheduler");
        r.put("weights", weights);
        r.put("streams", streams);
        r.put("decoded_tokens_per_stream", tokens);
        r.put("aggregate_tokens_per_second", aggregate);
        r.put("aggregate_tokens_per_second_runs", runs);
        r.put("per_stream_tokens_per_second", aggregate / streams);
        r.put("bandwidth_bound_tokens_per_second", bound);
        r.put("fraction_of_bound_per_stream", aggregate / streams / bound);
        String versus = "";
        if (singleStream != null) {
            r.put("speedup_vs_single_stream", aggregate / singleStream);
            versus = String.format(Locale.ROOT, ", %.1fx one stream", aggregate / singleStream);
        }
        String spread = runs.length == 1 ? "" : String.format(Locale.ROOT, " (median of %d runs, %.2f-%.2f)",
                runs.length, sorted[0], sorted[sorted.length - 1]);
        System.out.printf(Locale.ROOT, "bench model: batched decode %-6s weights %-20s %2d stream(s): %9.2f tokens/s "
                        + "aggregate%s, %.2f per stream (%.0f%% of the bandwidth bound %.2f)%s%n", label, weights,
                streams, aggregate, spread, aggregate / streams, 100 * aggregate / streams / bound, bound, versus);
        return r;
    }

    /** Runs the streams to the end; returns the seconds from the first stream's first token to the last token. */
    private static double runStreams(BatchScheduler scheduler, int streams, int promptLength, int tokens,
            Random random, GemmaConfig config) throws Exception {
        GenerationOptions options = new GenerationOptions(tokens, 0, 0, 1, 0, null);
        java.util.concurrent.atomic.AtomicLong firstToken = new java.util.concurrent.atomic.AtomicLong(Long.MAX_VALUE);
        java.util.concurrent.atomic.AtomicLong lastToken = new java.util.concurrent.atomic.AtomicLong();
        List<CollectedSequence> results = new ArrayList<>();
        for (int s = 0; s < streams; s++) {
            int[] prompt = new int[promptLength];
            for (int i = 0; i < prompt.length; i++) {
                prompt[i] = 2 + random.nextInt(config.vocabSize() - 2);
            }
            CollectedSequence collected = new CollectedSequence();
            scheduler.submit(prompt, options, new SequenceListener() {
                @Override
                public void onToken(int token) {
                    long now = System.nanoTime();
                    firstToken.accumulateAndGet(now, Math::min);
                    lastToken.accumulateAndGet(now, Math::max);
                    collected.onToken(token);
                }

                @Override
                public void onFinish(Finish reason, int promptTokens, int completionTokens) {
                    collected.onFinish(reason, promptTokens, completionTokens);
                }

                @Override
                public void onError(RuntimeException error) {
                    collected.onError(error);
                }
            });
            results.add(collected);
        }
        for (CollectedSequence c : results) {
            c.result().get();
        }
        return (lastToken.get() - firstToken.get()) / 1e9;
    }

    /** A random-weight gemma-2b in float32 (10 GB, one buffer adopted by the network without a copy). */
    private static List<Map<String, Object>> decodeGemma2b(int tokens, double bandwidth, long packedWeightBytes)
            throws Exception {
        GemmaConfig config = GemmaConfig.preset("gemma-2b");
        long start = System.nanoTime();
        GemmaWeights weights = GemmaWeights.allocate(config);
        fillRandomly(weights.flat());
        GemmaDecoder decoder = GemmaDecoder.fromWeights(config, weights, null);
        System.out.printf(Locale.ROOT, "bench model: gemma-2b random weights (%.1f GB float32) ready in %.0f s%n",
                4.0 * config.parameterCount() / 1e9, (System.nanoTime() - start) / 1e9);
        List<Map<String, Object>> results = new ArrayList<>();
        results.add(decode("gemma-2b", config, new Generator(decoder), tokens, bandwidth));
        results.addAll(decodeBatched("gemma-2b", decoder, List.of(Layout.preferred(packedWeightBytes)), List.of(1),
                tokens, 1, bandwidth));
        return results;
    }

    /**
     * Uniform(-0.03, 0.03) values: one 64 MB random block copied across the buffer, since generating 2.5 billion
     * random numbers takes minutes and decode speed does not depend on the values.
     */
    private static void fillRandomly(INDArray flat) {
        long block = Math.min(flat.length(), 1L << 24);
        INDArray random = Nd4j.create(DataType.FLOAT, block);
        Nd4j.getExecutioner().exec(new UniformDistribution(random, -0.03, 0.03), Nd4j.getRandom());
        for (long offset = 0; offset < flat.length(); offset += block) {
            long length = Math.min(block, flat.length() - offset);
            flat.get(NDArrayIndex.interval(offset, offset + length)).assign(
                    length == block ? random : random.get(NDArrayIndex.interval(0, length)));
        }
    }

    private static int argmax(INDArray logits) {
        return logits.getRow(0).argMax().getInt(0);
    }
}
