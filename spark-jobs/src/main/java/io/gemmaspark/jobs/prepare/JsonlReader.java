package io.gemmaspark.jobs.prepare;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.gemmaspark.filtering.normalize.InvalidUtf8Policy;
import io.gemmaspark.filtering.normalize.TextNormalizer;
import io.gemmaspark.filtering.normalize.Utf8Decoder;
import io.gemmaspark.jobs.prepare.InputFiles.InputFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.hadoop.mapreduce.InputSplit;
import org.apache.hadoop.mapreduce.Job;
import org.apache.hadoop.mapreduce.JobContext;
import org.apache.hadoop.mapreduce.lib.input.FileInputFormat;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;
import org.apache.hadoop.mapreduce.lib.input.TextInputFormat;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.util.SerializableConfiguration;
import org.apache.spark.util.TaskCompletionListener;
import scala.Tuple2;
import scala.collection.JavaConverters;
import scala.collection.Seq;
import scala.reflect.ClassTag$;

/**
 * JSON Lines: one object per line with a string {@code text} and optional {@code id} (string or number),
 * {@code source}, {@code url} and {@code meta}. Large uncompressed files are split across tasks; compressed ones
 * are read whole. A line that is not a JSON object, or whose fields have the wrong types, becomes a bad record
 * with its file and line; so does a line longer than the reader's byte limit ({@code input:too_long}), which is
 * measured while it streams past and never held; a blank line and a file with no bytes at all (after
 * decompression) are counted too ({@code input:blank_line}, {@code input:empty_file}).
 */
public final class JsonlReader {
    // Lines are bounded by reader.max_record_bytes before Jackson sees them, so Jackson's own string limit (20M
    // chars) would only mislabel a long line as malformed JSON; the reader's limit is the one that applies.
    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
            .build()).build();
    private static final byte[] UTF8_BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    private JsonlReader() {
    }

    /** Text lines; compressed files are never split, because only uncompressed byte offsets number lines. */
    public static final class JsonlInputFormat extends TextInputFormat {
        @Override
        protected boolean isSplitable(JobContext context, Path file) {
            return new CompressionCodecFactory(context.getConfiguration()).getCodec(file) == null;
        }
    }

    /**
     * The byte range of one file a task reads, and the number of its first line. (A class, not a record: it is an
     * RDD element, and the Kryo that Spark ships cannot build records.)
     */
    static final class Split implements Serializable {
        final String file;
        final long start;
        final long length;
        final long firstLine;
        final boolean wholeFile;

        Split(String file, long start, long length, long firstLine, boolean wholeFile) {
            this.file = file;
            this.start = start;
            this.length = length;
            this.firstLine = firstLine;
            this.wholeFile = wholeFile;
        }
    }

    /**
     * @param maxLineBytes lines longer than this (in bytes, without the terminator) are {@code input:too_long}
     */
    public static JavaRDD<Row> read(JavaSparkContext sc, List<InputFile> files, int maxLineBytes,
                                    InvalidUtf8Policy utf8Policy, Configuration baseConf) {
        try {
            Job job = Job.getInstance(new Configuration(baseConf));
            FileInputFormat.setInputPaths(job, files.stream().map(f -> new Path(f.path())).toArray(Path[]::new));
            Configuration conf = job.getConfiguration();
            List<InputSplit> splits = new JsonlInputFormat().getSplits(job);
            LineNumbers lineNumbers = LineNumbers.count(sc, splits, conf);
            CompressionCodecFactory codecs = new CompressionCodecFactory(conf);
            // Each split is a task that prefers the hosts holding its bytes, as a Hadoop input format's would.
            List<Tuple2<Split, Seq<String>>> located = new ArrayList<>();
            for (InputSplit s : splits) {
                FileSplit split = (FileSplit) s;
                located.add(new Tuple2<>(new Split(split.getPath().toString(), split.getStart(), split.getLength(),
                        lineNumbers.firstLine(split), codecs.getCodec(split.getPath()) != null),
                        JavaConverters.asScalaBuffer(Arrays.asList(split.getLocations())).toSeq()));
            }
            SerializableConfiguration serializableConf = new SerializableConfiguration(conf);
            JavaRDD<Split> tasks = JavaRDD.fromRDD(sc.sc().makeRDD(JavaConverters.asScalaBuffer(located).toSeq(),
                    ClassTag$.MODULE$.apply(Split.class)), ClassTag$.MODULE$.apply(Split.class));
            return tasks.flatMap(split -> new SplitRecords(split, maxLineBytes, utf8Policy, serializableConf.value()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot plan reading of JSONL inputs", e);
        }
    }

    /**
     * The records of one split, read lazily. As in Hadoop's line record reader, a split starting at byte s &gt; 0
     * leaves the line running through s to the split before it, and reads every line that starts at or before
     * its end; so each line is read by exactly one task and {@link LineNumbers} numbers it.
     */
    private static final class SplitRecords extends LazyIterator<Row> {
        private final Split split;
        private final String source;
        private final int maxLineBytes;
        private final InvalidUtf8Policy utf8Policy;
        private final BoundedLineReader lines;
        private long line;

        SplitRecords(Split split, int maxLineBytes, InvalidUtf8Policy utf8Policy, Configuration conf) {
            this.split = split;
            this.source = RawRecords.defaultSource(split.file);
            this.maxLineBytes = maxLineBytes;
            this.utf8Policy = utf8Policy;
            this.line = split.firstLine - 1;
            try {
                InputStream in;
                if (split.wholeFile) {
                    in = InputFiles.open(split.file, conf);
                } else {
                    Path path = new Path(split.file);
                    FSDataInputStream raw = path.getFileSystem(conf).open(path);
                    raw.seek(split.start);
                    in = raw;
                }
                lines = new BoundedLineReader(in, maxLineBytes);
                TaskContext task = TaskContext.get();
                if (task != null) {
                    task.addTaskCompletionListener((TaskCompletionListener) context -> closeQuietly());
                }
                if (split.start > 0 && !split.wholeFile) {
                    lines.skipPastNewline();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + split.file, e);
            }
        }

        @Override
        protected Row produce() {
            try {
                return readRecord();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + split.file + " after line " + line, e);
            }
        }

        private Row readRecord() throws IOException {
            boolean inRange = split.wholeFile || lines.position() <= split.length;
            BoundedLineReader.Status status = inRange ? lines.next() : BoundedLineReader.Status.END;
            if (status == BoundedLineReader.Status.END) {
                end();
                boolean emptyFile = split.start == 0 && lines.position() == 0;
                closeQuietly();
                return emptyFile ? RawRecords.bad(split.file, 0, source, RawRecords.ReadFailure.EMPTY_FILE,
                        split.wholeFile && split.length > 0 ? "no bytes after decompression" : "0 bytes") : null;
            }
            line++;
            if (status == BoundedLineReader.Status.TOO_LONG) {
                return RawRecords.bad(split.file, line, source, RawRecords.ReadFailure.TOO_LONG,
                        "line of " + lines.fullLength() + " bytes (reader.max_record_bytes " + maxLineBytes + ")");
            }
            int skip = line == 1 && startsWith(lines.bytes(), lines.length(), UTF8_BOM) ? UTF8_BOM.length : 0;
            return parseLine(lines.bytes(), skip, lines.length() - skip, split.file, line, source, utf8Policy);
        }

        private void closeQuietly() {
            try {
                lines.close();
            } catch (IOException ignored) {
                // a reader that fails to close has already given every record it had
            }
        }
    }

    /** One line; a blank line is counted as {@code input:blank_line}. */
    static Row parseLine(byte[] bytes, int offset, int length, String file, long line, String defaultSource,
                         InvalidUtf8Policy utf8Policy) {
        if (isBlank(bytes, offset, length)) {
            return RawRecords.bad(file, line, defaultSource, RawRecords.ReadFailure.BLANK_LINE, null);
        }
        Utf8Decoder.Decoded decoded = Utf8Decoder.decode(bytes, offset, length, utf8Policy, RawRecords.location(file, line));
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

    private static boolean startsWith(byte[] bytes, int length, byte[] prefix) {
        return length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static boolean isBlank(byte[] bytes, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            byte b = bytes[i];
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                return false;
            }
        }
        return true;
    }
}
