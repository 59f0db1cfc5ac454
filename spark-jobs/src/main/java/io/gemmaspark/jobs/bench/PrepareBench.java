package io.gemmaspark.jobs.bench;

import io.gemmaspark.jobs.CommonOptions;
import io.gemmaspark.jobs.PrepareCommand;
import io.gemmaspark.jobs.SparkSupport;
import io.gemmaspark.jobs.prepare.PrepareJob;
import io.gemmaspark.jobs.prepare.PrepareReport;
import io.gemmaspark.util.Json;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Option;

/**
 * {@code bin/gemma bench prepare}: the prepare job on generated corpora of increasing size (100k and 1M documents
 * by default, written to the work directory once, streaming), reporting documents/s, MB/s, the driver's peak heap,
 * and how time scales with size (linear cost means 10x the documents take about 10x the time; target <= 12x).
 *
 * <p>Each size is also run filters-only (read and the per-record filters, nothing written), after the end-to-end
 * job: the end-to-end job (every stage, dedup and the writes) is judged against that, on the same machine in the
 * same run (target: at least 40% of its documents/s).
 */
public final class PrepareBench {
    private PrepareBench() {
    }

    public static final class Options {
        @Option(names = "--prepare-docs", split = ",", paramLabel = "N",
                description = "bench prepare: corpus sizes in documents (default: 100000,1000000).")
        public List<Long> sizes = new ArrayList<>(List.of(100_000L, 1_000_000L));
    }

    public static int run(CommonOptions common, Options options) throws IOException {
        Path work = SparkSupport.workDir().resolve("bench").resolve("prepare");
        Files.createDirectories(work);
        // The generated corpora are cached in the work directory; the prepare outputs and the figures go to --out.
        Path outDir = common.out != null ? Path.of(common.out) : work;
        Files.createDirectories(outDir);
        List<Map<String, Object>> results = new ArrayList<>();
        try (SparkSession spark = SparkSupport.session("bench prepare", common)) {
            for (long documents : options.sizes) {
                Path corpus = generate(work, documents);
                long bytes = directorySize(corpus);
                // The synthetic corpus is made-up words around English stop words: language identification runs
                // (and costs what it costs) but labels without dropping. --set language.languages=[en] overrides.
                List<String> overrides = new ArrayList<>(List.of("language.languages=[]"));
                overrides.addAll(common.overrides);
                PrepareJob.Request request = PrepareCommand.request(List.of(corpus.toString()),
                        outDir.resolve("out-" + documents).toString(), false, true, common.confOr("prepare/default"),
                        null, overrides);
                resetPeakHeap();
                long start = System.nanoTime();
                PrepareReport report = PrepareJob.run(spark, request);
                double seconds = (System.nanoTime() - start) / 1e9;
                long peakHeap = peakHeap();
                // Filters-only second, so that the JVM's warm-up (JIT, language models) is charged to the end-to-end
                // run that is judged against it, not to the reference.
                long filterStart = System.nanoTime();
                long filterKept = PrepareJob.filterOnly(spark, request);
                double filterSeconds = (System.nanoTime() - filterStart) / 1e9;
                // In local mode the driver JVM also runs the tasks, so the peak includes task and cache memory;
                // what the driver itself keeps after the job is the heap still used once that is released.
                System.gc();
                long retainedHeap = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("documents", documents);
                r.put("input_mb", bytes / 1e6);
                r.put("seconds", seconds);
                r.put("documents_per_second", documents / seconds);
                r.put("mb_per_second", bytes / 1e6 / seconds);
                r.put("filters_only_seconds", filterSeconds);
                r.put("filters_only_documents_per_second", documents / filterSeconds);
                r.put("end_to_end_over_filters_only", filterSeconds / seconds);
                r.put("kept_by_filters", filterKept);
                r.put("kept", report.counts().kept());
                r.put("stages", report.stageTimings());
                r.put("dropped_by_reason", report.counts().droppedByReason());
                r.put("driver_peak_heap_mb", peakHeap / 1e6);
                r.put("driver_retained_heap_mb", retainedHeap / 1e6);
                results.add(r);
                System.out.printf(Locale.ROOT, "bench prepare: %,d documents (%.0f MB) in %s: %,.0f documents/s, "
                                + "%.2f MB/s, kept %,d, JVM peak heap %.0f MB, driver heap after the job %.0f MB%n", documents, bytes / 1e6,
                        io.gemmaspark.util.Progress.duration(seconds), documents / seconds, bytes / 1e6 / seconds,
                        report.counts().kept(), peakHeap / 1e6, retainedHeap / 1e6);
                System.out.printf(Locale.ROOT, "bench prepare: %,d documents filters-only in %s: %,.0f documents/s; "
                                + "end to end is %.0f%% of that (target >= 40%%: %s); stages %s%n", documents,
                        io.gemmaspark.util.Progress.duration(filterSeconds), documents / filterSeconds,
                        100 * filterSeconds / seconds, filterSeconds / seconds >= 0.4 ? "OK" : "SLOWER",
                        report.stageTimings());
            }
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("runs", results);
        for (int i = 1; i < results.size(); i++) {
            Map<String, Object> small = results.get(i - 1);
            Map<String, Object> large = results.get(i);
            double sizeRatio = ((Long) large.get("documents")).doubleValue() / (Long) small.get("documents");
            double timeRatio = (double) large.get("seconds") / (double) small.get("seconds");
            summary.put("time_ratio_" + small.get("documents") + "_to_" + large.get("documents"), timeRatio);
            System.out.printf(Locale.ROOT, "bench prepare: %.0fx the documents took %.2fx the time (target <= %.0fx: %s)%n",
                    sizeRatio, timeRatio, sizeRatio * 1.2, timeRatio <= sizeRatio * 1.2 ? "OK" : "SLOWER");
        }
        Path report = outDir.resolve("bench-prepare.json");
        Json.write(summary, new org.apache.hadoop.fs.Path(report.toUri()), new org.apache.hadoop.conf.Configuration());
        System.out.println("bench prepare: figures in " + report);
        return 0;
    }

    /** The corpus of {@code documents} documents, generated once (about 1 KB each) and reused by later runs. */
    private static Path generate(Path work, long documents) throws IOException {
        Path corpus = work.resolve("corpus-" + documents);
        Path done = corpus.resolve("_COMPLETE");
        if (Files.exists(done)) {
            return corpus;
        }
        long start = System.nanoTime();
        int files = (int) Math.max(2, documents / 50_000);
        long bytes = new SyntheticCorpus(1).writeBenchmarkCorpus(corpus, documents, files);
        Files.createFile(done);
        System.out.printf(Locale.ROOT, "bench prepare: generated %,d documents (%.0f MB, %d files) in %s%n",
                documents, bytes / 1e6, files, io.gemmaspark.util.Progress.duration((System.nanoTime() - start) / 1e9));
        return corpus;
    }

    private static long directorySize(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".jsonl")).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static void resetPeakHeap() {
        System.gc();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    private static long peakHeap() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak;
    }
}
