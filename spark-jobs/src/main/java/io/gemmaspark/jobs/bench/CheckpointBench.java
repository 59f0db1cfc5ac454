package io.gemmaspark.jobs.bench;

import io.gemmaspark.jobs.CommonOptions;
import io.gemmaspark.jobs.SparkSupport;
import io.gemmaspark.model.GemmaConfig;
import io.gemmaspark.model.GemmaWeights;
import io.gemmaspark.model.checkpoint.CheckpointConverter;
import io.gemmaspark.model.checkpoint.HfCheckpoint;
import io.gemmaspark.model.checkpoint.HfConfigJson;
import io.gemmaspark.model.checkpoint.TensorDtype;
import io.gemmaspark.model.checkpoint.TensorSource;
import io.gemmaspark.util.Json;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Option;

/**
 * {@code bin/gemma bench checkpoint}: how fast a model of a preset's shape is written as an HF directory, loaded
 * into float32 weights, and converted to a native checkpoint, and how much memory loading takes against the
 * weights' own size. Values are generated, not held, so writing needs no copy of the model either.
 */
public final class CheckpointBench {
    private CheckpointBench() {
    }

    public static final class Options {
        @Option(names = "--checkpoint-preset", paramLabel = "NAME",
                description = "bench checkpoint: model preset to write and load (default: small; gemma-2b needs ~11 GB).")
        public String preset = "small";

        @Option(names = "--checkpoint-dtype", paramLabel = "f32|bf16|f16",
                description = "bench checkpoint: stored dtype of the HF directory (default: bf16, as Gemma ships).")
        public String dtype = "bf16";
    }

    public static int run(CommonOptions common, Options options) throws IOException {
        GemmaConfig config = GemmaConfig.preset(options.preset);
        TensorDtype dtype = TensorDtype.parse(options.dtype);
        Configuration conf = new Configuration();
        Path out = common.out != null ? Path.of(common.out) : SparkSupport.workDir().resolve("bench").resolve("checkpoint");
        Path work = out.resolve("work");
        deleteRecursively(work);
        Files.createDirectories(work.resolve("hf"));
        double floatMegabytes = config.parameterCount() * (double) Float.BYTES / 1e6;
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("preset", options.preset);
        summary.put("parameters", config.parameterCount());
        summary.put("stored_dtype", dtype.name());
        summary.put("float32_gb", floatMegabytes / 1e3);
        try {
            Timer write = new Timer();
            HfCheckpoint.write(hadoop(work.resolve("hf")), HfConfigJson.ModelConfig.withGemmaTokens(config),
                    generatedSources(config), dtype, HfCheckpoint.DEFAULT_MAX_SHARD_BYTES, null, conf);
            summary.put("write", write.figures(config.parameterCount() * (double) dtype.bytes() / 1e6, "stored"));

            Timer allocate = new Timer();
            GemmaWeights weights = GemmaWeights.allocate(config);
            Map<String, Object> allocated = allocate.figures(floatMegabytes, "float32");
            Timer read = new Timer();
            HfCheckpoint.readInto(hadoop(work.resolve("hf")), weights, conf, null);
            Map<String, Object> load = new LinkedHashMap<>();
            load.put("allocate", allocated);
            load.put("read_and_widen", read.figures(floatMegabytes, "float32"));
            load.put("peak_rss_gb", peakResidentBytes() / 1e9);
            summary.put("load", load);
            weights = null;

            Timer convert = new Timer();
            CheckpointConverter.Result converted = CheckpointConverter.convert(hadoop(work.resolve("hf")),
                    CheckpointConverter.Layout.HF, work.resolve("native").toString(), CheckpointConverter.Layout.NATIVE,
                    TensorDtype.F32, true, conf, false);
            summary.put("convert_to_native_f32", convert.figures(converted.bytesWritten() / 1e6, "written"));
        } finally {
            deleteRecursively(work);
        }
        Path report = out.resolve("bench-checkpoint.json");
        Json.write(summary, hadoop(report), conf);
        System.out.printf(Locale.ROOT, "bench checkpoint: %s, %,d parameters (%.2f GB as float32), stored as %s%n",
                options.preset, config.parameterCount(), floatMegabytes / 1e3, dtype);
        print("write HF", summary.get("write"));
        @SuppressWarnings("unchecked")
        Map<String, Object> load = (Map<String, Object>) summary.get("load");
        print("allocate", load.get("allocate"));
        print("read+widen", load.get("read_and_widen"));
        System.out.printf(Locale.ROOT, "  %-12s %.2f GB peak resident (weights %.2f GB)%n", "memory",
                (double) load.get("peak_rss_gb"), floatMegabytes / 1e3);
        print("to native", summary.get("convert_to_native_f32"));
        System.out.println("bench checkpoint: figures in " + report);
        return 0;
    }

    private static void print(String label, Object figures) {
        @SuppressWarnings("unchecked")
        Map<String, Object> f = (Map<String, Object>) figures;
        System.out.printf(Locale.ROOT, "  %-12s %8.1f s wall %8.1f s cpu  %8.0f MB/s (%s)  %8.0f MB per cpu-second%n",
                label, f.get("wall_s"), f.get("cpu_s"), f.get("mb_per_s"), f.get("unit"), f.get("mb_per_cpu_s"));
    }

    /** Wall and this thread's CPU time since construction: CPU time stays meaningful on a shared machine. */
    private static final class Timer {
        private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
        private final long wall = System.nanoTime();
        private final long cpu = THREADS.getCurrentThreadCpuTime();

        Map<String, Object> figures(double megabytes, String unit) {
            double wallSeconds = (System.nanoTime() - wall) / 1e9;
            double cpuSeconds = (THREADS.getCurrentThreadCpuTime() - cpu) / 1e9;
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("wall_s", wallSeconds);
            f.put("cpu_s", cpuSeconds);
            f.put("megabytes", megabytes);
            f.put("unit", unit);
            f.put("mb_per_s", megabytes / Math.max(wallSeconds, 1e-9));
            f.put("mb_per_cpu_s", megabytes / Math.max(cpuSeconds, 1e-9));
            return f;
        }
    }

    /** Deterministic pseudo-random weights (xorshift, scale ~0.02), produced chunk by chunk on demand. */
    private static LinkedHashMap<String, TensorSource> generatedSources(GemmaConfig config) {
        LinkedHashMap<String, TensorSource> sources = new LinkedHashMap<>();
        GemmaWeights.expectedShapes(config).forEach((name, shape) -> sources.put(name, new TensorSource() {
            @Override
            public long[] shape() {
                return shape;
            }

            @Override
            public void readFloats(long first, int count, ByteBuffer dst) {
                FloatBuffer floats = dst.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
                long state = (first + 1) * 0x9E3779B97F4A7C15L ^ name.hashCode();
                for (int i = 0; i < count; i++) {
                    state ^= state << 13;
                    state ^= state >>> 7;
                    state ^= state << 17;
                    floats.put(i, ((state >>> 40) - (1 << 23)) * 0x1p-29f);
                }
                dst.position(dst.position() + count * Float.BYTES);
            }
        }));
        return sources;
    }

    private static long peakResidentBytes() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(line -> line.startsWith("VmHWM:"))
                .mapToLong(line -> Long.parseLong(line.replaceAll("\\D", "")) * 1024)
                .findFirst().orElse(-1);
    }

    private static org.apache.hadoop.fs.Path hadoop(Path path) {
        return new org.apache.hadoop.fs.Path(path.toUri());
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
