package io.gemmaspark.jobs;

import io.gemmaspark.config.ConfigBinder;
import io.gemmaspark.config.ConfigLoader;
import io.gemmaspark.filtering.FilterConfig;
import io.gemmaspark.filtering.FilterPipeline;
import io.gemmaspark.jobs.prepare.PrepareJob;
import io.gemmaspark.jobs.prepare.PrepareReport;
import io.gemmaspark.jobs.prepare.PrepareSettings;
import io.gemmaspark.util.UserError;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bin/gemma prepare}: raw corpora → deduplicated, filtered, redacted, quality-staged Parquet shards.
 * Also the spark-submit entry point: {@code GemmaCli prepare --input hdfs:///raw/* --out hdfs:///clean}.
 */
@Command(name = "prepare", mixinStandardHelpOptions = true,
        description = "Deduplicate, filter and redact raw corpora into quality-staged Parquet shards.")
public final class PrepareCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--input", paramLabel = "PATH", required = true,
            description = "Raw corpus: a file, directory or glob on any Hadoop path (.jsonl, .txt, .parquet; "
                    + ".gz/.bz2/.zst read transparently). Repeatable.")
    List<String> inputs = new ArrayList<>();

    @Option(names = "--filters", paramLabel = "FILE",
            description = "Filter configuration, a path or a name under conf/ (default: the 'filters' key of the "
                    + "prepare configuration, filters/default).")
    String filters;

    @Option(names = "--strict", description = "Fail on the first malformed, mistyped, empty or oversize record, "
            + "naming its file and line, instead of counting it.")
    boolean strict;

    @Option(names = "--overwrite", description = "Replace an existing complete output directory.")
    boolean overwrite;

    @Option(names = "--resume", description = "Continue an interrupted run with the same inputs and settings from "
            + "its last complete stage (read, filter, signatures, buckets, clusters, write), kept in the hidden "
            + ".OUT.partial work area; without it a run starts over.")
    boolean resume;

    /** Everything {@link #call()} resolved from the options, so the demo and the bench can run the same job. */
    public static PrepareJob.Request request(List<String> inputs, String out, boolean strict, boolean overwrite,
                                             String prepareConf, String filtersRef, List<String> overrides) {
        if (out == null) {
            throw new UserError("prepare: --out DIR is required");
        }
        Set<String> prepareKeys = Stream.of(PrepareSettings.class.getRecordComponents())
                .map(RecordComponent::getName).map(ConfigBinder::snakeCase).collect(Collectors.toSet());
        List<String> prepareOverrides = new ArrayList<>();
        List<String> filterOverrides = new ArrayList<>();
        for (String override : overrides) {
            String key = override.split("[.=]", 2)[0];
            (prepareKeys.contains(key) ? prepareOverrides : filterOverrides).add(override);
        }
        PrepareSettings settings = ConfigLoader.load(prepareConf, PrepareSettings.class, prepareOverrides);
        String filterRef = filtersRef != null ? filtersRef : settings.filters();
        FilterPipeline pipeline = FilterPipeline.fromConfig(FilterConfig.load(filterRef, filterOverrides));
        return new PrepareJob.Request(List.copyOf(inputs), out, strict, overwrite, settings, pipeline, filterRef, false);
    }

    @Override
    public Integer call() {
        PrepareJob.Request request = request(inputs, common.out, strict, overwrite, common.confOr("prepare/default"),
                filters, common.overrides).withResume(resume);
        try (SparkSession spark = SparkSupport.session("prepare", common)) {
            PrepareReport report = PrepareJob.run(spark, request);
            System.out.print(report.summary());
            return 0;
        }
    }
}
