package io.gemmaspark.jobs.prepare;

import io.gemmaspark.filtering.normalize.InvalidUtf8Policy;
import io.gemmaspark.filtering.normalize.Utf8Decoder;
import io.gemmaspark.jobs.prepare.InputFiles.InputFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
                .flatMap(file -> readFile(file, separator, maxChars, utf8Policy, serializableConf.value()).iterator());
    }

    static List<Row> readFile(String file, String separator, int maxChars, InvalidUtf8Policy utf8Policy,
                              Configuration conf) {
        Path path = new Path(file);
        CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(path);
        // A directory of one-document files is one corpus; a file of many documents is one by itself.
        String source = separator.isEmpty() && path.getParent() != null
                ? path.getParent().getName() : RawRecords.defaultSource(file);
        // UTF-8 needs at least one byte per char and at most four, so a document beyond 4*maxChars bytes is
        // too long whatever it holds; a shorter one is decoded and measured exactly.
        long maxBytes = 4L * maxChars;
        byte[] separatorBytes = separator.getBytes(StandardCharsets.UTF_8);
        List<Row> rows = new ArrayList<>();
        try (InputStream raw = path.getFileSystem(conf).open(path);
             InputStream in = codec == null ? raw : codec.createInputStream(raw);
             LineReader lines = new LineReader(in, conf)) {
            Text line = new Text();
            ByteArrayOutputStream document = new ByteArrayOutputStream();
            long lineNumber = 0;
            long documentStart = 1;
            long documentBytes = 0;
            boolean sawContent = false;
            while (true) {
                int read = lines.readLine(line, Integer.MAX_VALUE, Integer.MAX_VALUE);
                if (read == 0) {
                    break;
                }
                lineNumber++;
                boolean isSeparator = separatorBytes.length > 0 && line.getLength() == separatorBytes.length
                        && Arrays.equals(line.getBytes(), 0, line.getLength(), separatorBytes, 0, separatorBytes.length);
                if (isSeparator) {
                    emit(rows, file, documentStart, source, document, documentBytes, maxBytes, maxChars, utf8Policy, sawContent);
                    document.reset();
                    documentBytes = 0;
                    documentStart = lineNumber + 1;
                    sawContent = false;
                    continue;
                }
                sawContent = true;
                documentBytes += line.getLength() + 1;
                if (documentBytes <= maxBytes) {
                    if (document.size() > 0) {
                        document.write('\n');
                    }
                    document.write(line.getBytes(), 0, line.getLength());
                }
            }
            // One document per file is emitted even when empty, so that an empty file is counted, not lost.
            if (sawContent || separatorBytes.length == 0) {
                emit(rows, file, documentStart, source, document, documentBytes, maxBytes, maxChars, utf8Policy, true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return rows;
    }

    private static void emit(List<Row> rows, String file, long line, String source, ByteArrayOutputStream document,
                             long documentBytes, long maxBytes, int maxChars, InvalidUtf8Policy utf8Policy,
                             boolean sawContent) {
        if (!sawContent) {
            return; // two separators in a row hold no document
        }
        if (documentBytes > maxBytes) {
            rows.add(RawRecords.bad(file, line, source, RawRecords.TOO_LONG,
                    "document of more than " + maxBytes + " bytes (max_chars " + maxChars + ")"));
            return;
        }
        byte[] bytes = document.toByteArray();
        Utf8Decoder.Decoded decoded = Utf8Decoder.decode(bytes, utf8Policy, RawRecords.location(file, line));
        if (decoded.dropped()) {
            rows.add(RawRecords.bad(file, line, source, "normalize:invalid_utf8",
                    decoded.invalidCount() + " malformed UTF-8 sequences"));
            return;
        }
        rows.add(RawRecords.document(file, line, null, source, null, decoded.text()));
    }
}
