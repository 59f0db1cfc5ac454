package io.gemmaspark.jobs.prepare;

import io.gemmaspark.filtering.normalize.InvalidUtf8Policy;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;

/**
 * Every job's way into raw or clean documents ({@code prepare}, {@code tokenizer-train}, {@code tokenize}):
 * {@code --input} paths resolved by {@link InputFiles} (files, directories, globs on any Hadoop file system), each
 * file read by the reader for its format (JSONL, text, Parquet; gzip, bzip2, zstd, ...) into {@link RawRecords}
 * rows. Records that cannot be read are rows too, with their reason and location, so each job can count them.
 */
public final class InputReader {
    private InputReader() {
    }

    /** What was resolved and the rows read from it (lazily, by Spark tasks). */
    public record Read(InputFiles files, JavaRDD<Row> rows) {
    }

    /** The Hadoop configuration readers need: the context's, with {@code .zst} readable without libhadoop. */
    public static Configuration configuration(JavaSparkContext sc) {
        Configuration conf = new Configuration(sc.hadoopConfiguration());
        ZstdCodec.register(conf);
        return conf;
    }

    public static Read read(JavaSparkContext sc, List<String> inputs, PrepareSettings.Reader settings,
                            InvalidUtf8Policy utf8, Configuration conf) {
        InputFiles files = InputFiles.resolve(inputs, settings.forcedFormat(), conf);
        return new Read(files, read(sc, files, settings, utf8, conf));
    }

    public static JavaRDD<Row> read(JavaSparkContext sc, InputFiles inputs, PrepareSettings.Reader settings,
                                    InvalidUtf8Policy utf8, Configuration conf) {
        int maxBytes = settings.maxRecordBytes();
        List<JavaRDD<Row>> parts = new ArrayList<>();
        if (!inputs.files(InputFiles.Format.JSONL).isEmpty()) {
            parts.add(JsonlReader.read(sc, inputs.files(InputFiles.Format.JSONL), maxBytes, utf8, conf));
        }
        if (!inputs.files(InputFiles.Format.TEXT).isEmpty()) {
            parts.add(TextFileReader.read(sc, inputs.files(InputFiles.Format.TEXT), settings.textSeparator(),
                    maxBytes, utf8, conf));
        }
        if (!inputs.files(InputFiles.Format.PARQUET).isEmpty()) {
            parts.add(ParquetDocumentReader.read(sc, inputs.files(InputFiles.Format.PARQUET),
                    new ParquetDocumentReader.Columns(settings.textColumn(), settings.idColumn(),
                            settings.sourceColumn(), settings.stageColumn()), maxBytes, utf8, conf));
        }
        JavaRDD<Row> all = parts.get(0);
        for (JavaRDD<Row> part : parts.subList(1, parts.size())) {
            all = all.union(part);
        }
        return all;
    }
}
