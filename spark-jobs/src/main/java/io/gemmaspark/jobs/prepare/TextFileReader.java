package io.gemmaspark.jobs.prepare;

import io.gemmaspark.filtering.normalize.InvalidUtf8Policy;
import io.gemmaspark.filtering.normalize.TextNormalizer;
import io.gemmaspark.filtering.normalize.Utf8Decoder;
import io.gemmaspark.jobs.prepare.InputFiles.InputFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.util.SerializableConfiguration;
import org.apache.spark.util.TaskCompletionListener;

/**
 * Plain text files: one document per file, or, when a separator is configured, documents separated by lines that
 * equal it exactly (e.g. {@code <|endoftext|>}). Each task reads one file, streaming; a document's location is
 * the line it starts on. A document (or a single line) beyond the byte limit is counted as too long without being
 * held in memory; a file with no bytes (after decompression) is counted as {@code input:empty_file}.
 */
public final class TextFileReader {
    private TextFileReader() {
    }

    /**
     * @param separator line that separates documents, or empty for one document per file
     * @param maxBytes  documents longer than this many bytes are bad records ({@code input:too_long})
     */
    public static JavaRDD<Row> read(JavaSparkContext sc, List<InputFile> files, String separator, int maxBytes,
                                    InvalidUtf8Policy utf8Policy, Configuration conf) {
        SerializableConfiguration serializableConf = new SerializableConfiguration(conf);
        List<String> paths = files.stream().map(InputFile::path).toList();
        return sc.parallelize(paths, Math.max(1, Math.min(paths.size(), sc.defaultParallelism() * 4)))
                .flatMap(file -> readFile(file, separator, maxBytes, utf8Policy, serializableConf.value()));
    }

    /** The documents of one file, read lazily: only the current document is ever in memory. */
    static Iterator<Row> readFile(String file, String separator, int maxBytes, InvalidUtf8Policy utf8Policy,
                                  Configuration conf) {
        return new FileDocuments(file, separator, maxBytes, utf8Policy, conf);
    }

    private static final class FileDocuments extends LazyIterator<Row> {
        private final String file;
        private final String source;
        private final int maxBytes;
        private final byte[] separator;
        private final InvalidUtf8Policy utf8Policy;
        private final BoundedLineReader lines;
        private final ByteArrayOutputStream document = new ByteArrayOutputStream();
        private long lineNumber;

        FileDocuments(String file, String separator, int maxBytes, InvalidUtf8Policy utf8Policy, Configuration conf) {
            this.file = file;
            Path path = new Path(file);
            // A directory of one-document files is one corpus; a file of many documents is one by itself.
            this.source = separator.isEmpty() && path.getParent() != null
                    ? path.getParent().getName() : RawRecords.defaultSource(file);
            this.maxBytes = maxBytes;
            this.separator = separator.getBytes(StandardCharsets.UTF_8);
            this.utf8Policy = utf8Policy;
            try {
                this.lines = new BoundedLineReader(InputFiles.open(file, conf), maxBytes);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
            TaskContext task = TaskContext.get();
            if (task != null) {
                task.addTaskCompletionListener((TaskCompletionListener) context -> closeQuietly());
            }
        }

        /** The next document, or null when a separator closed an empty one or the file ended. */
        @Override
        protected Row produce() {
            document.reset();
            long start = lineNumber + 1;
            long bytes = 0;
            boolean sawLine = false;
            try {
                while (true) {
                    BoundedLineReader.Status status = lines.next();
                    if (status == BoundedLineReader.Status.END) {
                        end();
                        closeQuietly();
                        if (lines.position() == 0) {
                            return RawRecords.bad(file, 0, source, RawRecords.ReadFailure.EMPTY_FILE, "no bytes");
                        }
                        return sawLine ? toRow(start, bytes) : null;
                    }
                    lineNumber++;
                    if (status == BoundedLineReader.Status.LINE && separator.length > 0
                            && lines.length() == separator.length
                            && Arrays.equals(lines.bytes(), 0, lines.length(), separator, 0, separator.length)) {
                        return sawLine ? toRow(start, bytes) : null;
                    }
                    bytes += (sawLine ? 1 : 0) + lines.fullLength();
                    sawLine = true;
                    if (bytes <= maxBytes) {
                        if (lineNumber > start) {
                            document.write('\n');
                        }
                        document.write(lines.bytes(), 0, lines.length());
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file + " after line " + lineNumber, e);
            }
        }

        private Row toRow(long start, long bytes) {
            if (bytes > maxBytes) {
                return RawRecords.bad(file, start, source, RawRecords.ReadFailure.TOO_LONG,
                        "document of " + bytes + " bytes (reader.max_record_bytes " + maxBytes + ")");
            }
            Utf8Decoder.Decoded decoded = Utf8Decoder.decode(document.toByteArray(), utf8Policy,
                    RawRecords.location(file, start));
            if (decoded.dropped()) {
                return RawRecords.bad(file, start, source, TextNormalizer.Check.INVALID_UTF8.reason,
                        decoded.invalidCount() + " malformed UTF-8 sequences");
            }
            return RawRecords.document(file, start, null, source, null, decoded.text());
        }

        private void closeQuietly() {
            try {
                lines.close();
            } catch (IOException ignored) {
                // every document has been read
            }
        }
    }
}
