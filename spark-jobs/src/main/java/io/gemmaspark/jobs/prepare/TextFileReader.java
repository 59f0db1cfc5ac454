package io.gemmaspark.jobs.prepare;

import io.gemmaspark.filtering.normalize.InvalidUtf8Policy;
import io.gemmaspark.filtering.normalize.TextNormalizer;
import io.gemmaspark.filtering.normalize.Utf8Decoder;
import io.gemmaspark.jobs.prepare.InputFiles.InputFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.hadoop.util.LineReader;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.util.SerializableConfiguration;

/**
 * Plain text files: one document per file, or, when a separator is configured, documents separated by lines that
 * equal it exactly (e.g. {@code <|endoftext|>}). Each task reads one file, streaming; a document's location is
 * the line it starts on. A document beyond the size limit is counted as too long without being held in memory.
 */
public final class TextFileReader {
    private TextFileReader() {
    }

    /**
     * @param separator line that separates documents, or empty for one document per file
     * @param maxChars  documents longer than this are bad records ({@code input:too_long})
     */
    public static JavaRDD<Row> read(JavaSparkContext sc, List<InputFile> files, String separator, int maxChars,
                                    InvalidUtf8Policy utf8Policy, Configuration conf) {
        SerializableConfiguration serializableConf = new SerializableConfiguration(conf);
        List<String> paths = files.stream().map(InputFile::path).toList();
        return sc.parallelize(paths, Math.max(1, Math.min(paths.size(), sc.defaultParallelism() * 4)))
                .flatMap(file -> readFile(file, separator, maxChars, utf8Policy, serializableConf.value()));
    }

    /** The documents of one file, read lazily: only the current document is ever in memory. */
    static Iterator<Row> readFile(String file, String separator, int maxChars, InvalidUtf8Policy utf8Policy,
                                  Configuration conf) {
        return new FileDocuments(file, separator, maxChars, utf8Policy, conf);
    }

    private static final class FileDocuments implements Iterator<Row> {
        private final String file;
        private final String source;
        private final int maxChars;
        // UTF-8 needs at least one byte per char and at most four, so a document beyond 4*maxChars bytes is
        // too long whatever it holds; a shorter one is decoded and measured exactly.
        private final long maxBytes;
        private final byte[] separator;
        private final InvalidUtf8Policy utf8Policy;
        private final LineReader lines;
        private final Text line = new Text();
        private final ByteArrayOutputStream document = new ByteArrayOutputStream();
        private long lineNumber;
        private boolean finished;
        private Row next;

        FileDocuments(String file, String separator, int maxChars, InvalidUtf8Policy utf8Policy, Configuration conf) {
            this.file = file;
            Path path = new Path(file);
            // A directory of one-document files is one corpus; a file of many documents is one by itself.
            this.source = separator.isEmpty() && path.getParent() != null
                    ? path.getParent().getName() : RawRecords.defaultSource(file);
            this.maxChars = maxChars;
            this.maxBytes = 4L * maxChars;
            this.separator = separator.getBytes(StandardCharsets.UTF_8);
            this.utf8Policy = utf8Policy;
            try {
                CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(path);
                InputStream raw = path.getFileSystem(conf).open(path);
                this.lines = new LineReader(codec == null ? raw : codec.createInputStream(raw), conf);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }

        @Override
        public boolean hasNext() {
            while (next == null && !finished) {
                next = readDocument();
            }
            return next != null;
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Row row = next;
            next = null;
            return row;
        }

        /** The next document, or null when a separator closed an empty one or the file ended. */
        private Row readDocument() {
            document.reset();
            long start = lineNumber + 1;
            long bytes = 0;
            boolean sawLine = false;
            try {
                while (true) {
                    if (lines.readLine(line, Integer.MAX_VALUE, Integer.MAX_VALUE) == 0) {
                        finished = true;
                        lines.close();
                        // One document per file is emitted even when empty, so that an empty file is counted.
                        return sawLine || (separator.length == 0 && start == 1) ? toRow(start, bytes) : null;
                    }
                    lineNumber++;
                    if (separator.length > 0 && line.getLength() == separator.length
                            && Arrays.equals(line.getBytes(), 0, line.getLength(), separator, 0, separator.length)) {
                        return sawLine ? toRow(start, bytes) : null;
                    }
                    sawLine = true;
                    bytes += line.getLength() + 1;
                    if (bytes <= maxBytes) {
                        if (document.size() > 0) {
                            document.write('\n');
                        }
                        document.write(line.getBytes(), 0, line.getLength());
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }

        private Row toRow(long start, long bytes) {
            if (bytes > maxBytes) {
                return RawRecords.bad(file, start, source, RawRecords.ReadFailure.TOO_LONG,
                        "document of more than " + maxBytes + " bytes (max_chars " + maxChars + ")");
            }
            Utf8Decoder.Decoded decoded = Utf8Decoder.decode(document.toByteArray(), utf8Policy,
                    RawRecords.location(file, start));
            if (decoded.dropped()) {
                return RawRecords.bad(file, start, source, TextNormalizer.Check.INVALID_UTF8.reason,
                        decoded.invalidCount() + " malformed UTF-8 sequences");
            }
            return RawRecords.document(file, start, null, source, null, decoded.text());
        }
    }
}
