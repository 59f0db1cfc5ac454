package io.gemmaspark.jobs.classifier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gemmaspark.jobs.prepare.InputFiles;
import io.gemmaspark.jobs.prepare.ZstdCodec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;
import org.apache.spark.util.TaskCompletionListener;

/**
 * Labelled JSON Lines for classifier training: one object per line with a string text field and a label (string,
 * number or boolean, read as its text). Every line becomes one row: a valid record, or a bad one with its
 * {@link Failure} and the file and line, so that every dropped record is counted by reason. Files are found as
 * prepare finds them ({@link InputFiles}: files, directories, globs, .gz/.bz2/.zst) and each is read by one task.
 */
public final class LabelledRecords {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Why a line is not a training record. */
    public enum Failure {
        BLANK_LINE, MALFORMED_JSON, MISSING_TEXT, EMPTY_TEXT, MISSING_LABEL, WRONG_TYPE;

        public String reason() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static final StructType SCHEMA = new StructType()
            .add("file", DataTypes.StringType, false)
            .add("line", DataTypes.LongType, false)
            .add("text", DataTypes.StringType, true)
            .add("label", DataTypes.StringType, true)
            .add("reason", DataTypes.StringType, true)
            .add("detail", DataTypes.StringType, true);

    private LabelledRecords() {
    }

    /** Rows of {@link #SCHEMA}, one per line of every input file. */
    public static Dataset<Row> read(SparkSession spark, List<String> inputs, String textField, String labelField) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Configuration conf = new Configuration(sc.hadoopConfiguration());
        ZstdCodec.register(conf);
        List<String> files = InputFiles.resolve(inputs, InputFiles.Format.JSONL, conf).files().stream()
                .map(InputFiles.InputFile::path).toList();
        SerializableConfiguration serializableConf = new SerializableConfiguration(conf);
        var rows = sc.parallelize(files, Math.max(1, files.size()))
                .flatMap(file -> readFile(file, textField, labelField, serializableConf.value()));
        return spark.createDataFrame(rows, SCHEMA);
    }

    /** The file's rows, read lazily line by line (a file is never held in memory whole). */
    private static Iterator<Row> readFile(String file, String textField, String labelField, Configuration conf)
            throws IOException {
        Path path = new Path(file);
        CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(path);
        InputStream raw = path.getFileSystem(conf).open(path);
        BufferedReader reader = new BufferedReader(new InputStreamReader(
                codec == null ? raw : codec.createInputStream(raw), StandardCharsets.UTF_8));
        TaskContext.get().addTaskCompletionListener((TaskCompletionListener) context -> closeQuietly(reader));
        long[] number = {0};
        return reader.lines().map(line -> parse(line, file, ++number[0], textField, labelField)).iterator();
    }

    private static void closeQuietly(BufferedReader reader) {
        try {
            reader.close();
        } catch (IOException e) {
            // the task is over and every line was read; nothing depends on the close
        }
    }

    static Row parse(String line, String file, long number, String textField, String labelField) {
        if (line.isBlank()) {
            return bad(file, number, Failure.BLANK_LINE, null);
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            return bad(file, number, Failure.MALFORMED_JSON, e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            return bad(file, number, Failure.MALFORMED_JSON, "expected a JSON object");
        }
        JsonNode text = node.get(textField);
        JsonNode label = node.get(labelField);
        if (text == null || text.isNull()) {
            return bad(file, number, Failure.MISSING_TEXT, "no \"" + textField + "\" field");
        }
        if (label == null || label.isNull()) {
            return bad(file, number, Failure.MISSING_LABEL, "no \"" + labelField + "\" field");
        }
        if (!text.isTextual()) {
            return bad(file, number, Failure.WRONG_TYPE, "\"" + textField + "\" is not a string");
        }
        if (!label.isTextual() && !label.isNumber() && !label.isBoolean()) {
            return bad(file, number, Failure.WRONG_TYPE, "\"" + labelField + "\" is not a string, number or boolean");
        }
        if (text.asText().isBlank()) {
            return bad(file, number, Failure.EMPTY_TEXT, "\"" + textField + "\" is blank");
        }
        return RowFactory.create(file, number, text.asText(), label.asText(), null, null);
    }

    private static Row bad(String file, long line, Failure failure, String detail) {
        return RowFactory.create(file, line, null, null, failure.reason(), detail);
    }
}
