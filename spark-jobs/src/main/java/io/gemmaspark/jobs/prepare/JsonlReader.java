package io.gemmaspark.jobs.prepare;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gemmaspark.filtering.normalize.InvalidUtf8Policy;
import io.gemmaspark.filtering.normalize.TextNormalizer;
import io.gemmaspark.filtering.normalize.Utf8Decoder;
import io.gemmaspark.jobs.prepare.InputFiles.InputFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.InputSplit;
import org.apache.hadoop.mapreduce.Job;
import org.apache.hadoop.mapreduce.JobContext;
import org.apache.hadoop.mapreduce.lib.input.FileInputFormat;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;
import org.apache.hadoop.mapreduce.lib.input.TextInputFormat;
import org.apache.spark.api.java.JavaNewHadoopRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * JSON Lines: one object per line with a string {@code text} and optional {@code id} (string or number),
 * {@code source}, {@code url} and {@code meta}. Large uncompressed files are split across tasks; compressed ones
 * are read whole. A line that is not a JSON object, or whose fields have the wrong types, becomes a bad record
 * with its file and line.
 */
public final class JsonlReader {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonlReader() {
    }

    /** Text lines; compressed files are never split, because only uncompressed byte offsets number lines. */
    public static final class JsonlInputFormat extends TextInputFormat {
        @Override
        protected boolean isSplitable(JobContext context, Path file) {
            return new org.apache.hadoop.io.compress.CompressionCodecFactory(context.getConfiguration())
                    .getCodec(file) == null;
        }
    }

    public static JavaRDD<Row> read(JavaSparkContext sc, List<InputFile> files, InvalidUtf8Policy utf8Policy,
                                    Configuration baseConf) {
        try {
            Job job = Job.getInstance(new Configuration(baseConf));
            FileInputFormat.setInputPaths(job, files.stream().map(f -> new Path(f.path())).toArray(Path[]::new));
            Configuration conf = job.getConfiguration();
            List<InputSplit> splits = new JsonlInputFormat().getSplits(job);
            LineNumbers lineNumbers = LineNumbers.count(sc, splits, conf);
            @SuppressWarnings("unchecked")
            JavaNewHadoopRDD<LongWritable, Text> lines = (JavaNewHadoopRDD<LongWritable, Text>)
                    sc.newAPIHadoopRDD(conf, JsonlInputFormat.class, LongWritable.class, Text.class);
            return lines.mapPartitionsWithInputSplit(
                    (split, records) -> parseSplit((FileSplit) split, records, lineNumbers, utf8Policy), false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot plan reading of JSONL inputs", e);
        }
    }

    private static Iterator<Row> parseSplit(FileSplit split, Iterator<Tuple2<LongWritable, Text>> records,
                                            LineNumbers lineNumbers, InvalidUtf8Policy utf8Policy) {
        String file = split.getPath().toString();
        String defaultSource = RawRecords.defaultSource(file);
        long firstLine = lineNumbers.firstLine(split);
        return new Iterator<>() {
            long line = firstLine - 1;
            Row next;

            @Override
            public boolean hasNext() {
                while (next == null && records.hasNext()) {
                    Text value = records.next()._2();
                    line++;
                    next = parseLine(value.getBytes(), value.getLength(), file, line, defaultSource, utf8Policy);
                }
                return next != null;
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                Row row = next;
                next = null;
                return row;
            }
        };
    }

    /** One line; a blank line is counted as {@code input:blank_line}. */
    static Row parseLine(byte[] bytes, int length, String file, long line, String defaultSource,
                         InvalidUtf8Policy utf8Policy) {
        if (isBlank(bytes, length)) {
            return RawRecords.bad(file, line, defaultSource, RawRecords.ReadFailure.BLANK_LINE, null);
        }
        Utf8Decoder.Decoded decoded = Utf8Decoder.decode(bytes, 0, length, utf8Policy, RawRecords.location(file, line));
        if (decoded.dropped()) {
            return RawRecords.bad(file, line, defaultSource, TextNormalizer.Check.INVALID_UTF8.reason,
                    decoded.invalidCount() + " malformed UTF-8 sequences");
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(decoded.text());
        } catch (JsonProcessingException e) {
            return RawRecords.bad(file, line, defaultSource, RawRecords.ReadFailure.MALFORMED_JSON, e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            return RawRecords.bad(file, line, defaultSource, RawRecords.ReadFailure.MALFORMED_JSON,
                    "expected a JSON object, got " + (node == null ? "nothing" : node.getNodeType().name().toLowerCase()));
        }
        JsonNode text = node.get("text");
        if (text == null || text.isNull()) {
            return RawRecords.bad(file, line, defaultSource, RawRecords.ReadFailure.MISSING_TEXT, "no \"text\" field");
        }
        List<String> problems = new ArrayList<>();
        if (!text.isTextual()) {
            problems.add("\"text\" is a " + typeName(text) + ", expected a string");
        }
        JsonNode id = node.get("id");
        if (id != null && !id.isNull() && !id.isTextual() && !id.isIntegralNumber()) {
            problems.add("\"id\" is a " + typeName(id) + ", expected a string or an integer");
        }
        JsonNode source = node.get("source");
        if (source != null && !source.isNull() && !source.isTextual()) {
            problems.add("\"source\" is a " + typeName(source) + ", expected a string");
        }
        JsonNode url = node.get("url");
        if (url != null && !url.isNull() && !url.isTextual()) {
            problems.add("\"url\" is a " + typeName(url) + ", expected a string");
        }
        if (!problems.isEmpty()) {
            return RawRecords.bad(file, line, defaultSource, RawRecords.ReadFailure.WRONG_TYPE, String.join("; ", problems));
        }
        return RawRecords.document(file, line,
                id == null || id.isNull() ? null : id.asText(),
                source == null || source.isNull() ? defaultSource : source.asText(),
                url == null || url.isNull() ? null : url.asText(),
                text.asText());
    }

    private static String typeName(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "array";
            case OBJECT -> "object";
            case NUMBER -> "number";
            case BOOLEAN -> "boolean";
            default -> node.getNodeType().name().toLowerCase();
        };
    }

    private static boolean isBlank(byte[] bytes, int length) {
        for (int i = 0; i < length; i++) {
            byte b = bytes[i];
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                return false;
            }
        }
        return true;
    }
}
