package io.gemmaspark.jobs.prepare;

import io.gemmaspark.filtering.normalize.InvalidUtf8Policy;
import io.gemmaspark.filtering.normalize.TextNormalizer;
import io.gemmaspark.filtering.normalize.Utf8Decoder;
import io.gemmaspark.jobs.prepare.InputFiles.InputFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.util.SerializableConfiguration;

/**
 * Parquet files with a configured text column (and optional id and source columns). Each task streams one file
 * row group by row group, reading only those columns; a record's location is its 1-based row in the file. A file
 * whose text column is missing or not a string yields one bad record per row, so no row goes uncounted.
 */
public final class ParquetDocumentReader {
    private ParquetDocumentReader() {
    }

    public record Columns(String text, String id, String source, String stage) implements java.io.Serializable {
    }

    /** @param maxBytes text values longer than this many bytes are {@code input:too_long} */
    public static JavaRDD<Row> read(JavaSparkContext sc, List<InputFile> files, Columns columns, int maxBytes,
                                    InvalidUtf8Policy utf8Policy, Configuration conf) {
        SerializableConfiguration serializableConf = new SerializableConfiguration(conf);
        List<String> paths = files.stream().map(InputFile::path).toList();
        return sc.parallelize(paths, Math.max(1, Math.min(paths.size(), sc.defaultParallelism() * 4)))
                .flatMap(file -> new FileRows(file, columns, maxBytes, utf8Policy, serializableConf.value()));
    }

    /** Rows of one file, read lazily one row group at a time. */
    private static final class FileRows implements Iterator<Row> {
        private final String file;
        private final String source;
        private final Columns columns;
        private final int maxBytes;
        private final InvalidUtf8Policy utf8Policy;
        private final ParquetFileReader reader;
        private final MessageType projection;
        private final String schemaProblem;
        private final boolean hasId;
        private final boolean hasSource;
        private final boolean hasStage;
        private RecordReader<Group> rowGroup;
        private long rowsLeftInGroup;
        private long row;

        FileRows(String file, Columns columns, int maxBytes, InvalidUtf8Policy utf8Policy, Configuration conf) {
            this.file = file;
            this.source = RawRecords.defaultSource(file);
            this.columns = columns;
            this.maxBytes = maxBytes;
            this.utf8Policy = utf8Policy;
            try {
                reader = ParquetFileReader.open(HadoopInputFile.fromPath(new Path(file), conf));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open Parquet file " + file, e);
            }
            MessageType schema = reader.getFooter().getFileMetaData().getSchema();
            schemaProblem = stringColumnProblem(schema, columns.text(), true);
            hasId = schema.containsField(columns.id()) && isScalar(schema.getType(columns.id()));
            hasSource = schema.containsField(columns.source()) && stringColumnProblem(schema, columns.source(), false) == null;
            hasStage = schema.containsField(columns.stage()) && isScalar(schema.getType(columns.stage()));
            List<Type> fields = new ArrayList<>();
            if (schemaProblem == null) {
                fields.add(schema.getType(columns.text()));
            }
            if (hasId) {
                fields.add(schema.getType(columns.id()));
            }
            if (hasSource) {
                fields.add(schema.getType(columns.source()));
            }
            if (hasStage) {
                fields.add(schema.getType(columns.stage()));
            }
            projection = new MessageType(schema.getName(), fields.isEmpty()
                    ? Collections.singletonList(schema.getType(0)) : fields);
            reader.setRequestedSchema(projection);
        }

        @Override
        public boolean hasNext() {
            try {
                while (rowsLeftInGroup == 0) {
                    PageReadStore pages = reader.readNextRowGroup();
                    if (pages == null) {
                        reader.close();
                        return false;
                    }
                    rowsLeftInGroup = pages.getRowCount();
                    rowGroup = new ColumnIOFactory().getColumnIO(projection)
                            .getRecordReader(pages, new GroupRecordConverter(projection));
                }
                return true;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read Parquet file " + file, e);
            }
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Group group = rowGroup.read();
            rowsLeftInGroup--;
            row++;
            if (schemaProblem != null) {
                return RawRecords.bad(file, row, source, RawRecords.ReadFailure.WRONG_TYPE, schemaProblem);
            }
            if (group.getFieldRepetitionCount(columns.text()) == 0) {
                return RawRecords.bad(file, row, source, RawRecords.ReadFailure.MISSING_TEXT, "column " + columns.text() + " is null");
            }
            byte[] bytes = group.getBinary(columns.text(), 0).getBytes();
            if (bytes.length > maxBytes) {
                return RawRecords.bad(file, row, source, RawRecords.ReadFailure.TOO_LONG,
                        "text of " + bytes.length + " bytes (reader.max_record_bytes " + maxBytes + ")");
            }
            Utf8Decoder.Decoded text = Utf8Decoder.decode(bytes, utf8Policy, RawRecords.location(file, row));
            if (text.dropped()) {
                return RawRecords.bad(file, row, source, TextNormalizer.Check.INVALID_UTF8.reason,
                        text.invalidCount() + " malformed UTF-8 sequences");
            }
            String id = hasId && group.getFieldRepetitionCount(columns.id()) > 0
                    ? group.getValueToString(group.getType().getFieldIndex(columns.id()), 0) : null;
            String rowSource = hasSource && group.getFieldRepetitionCount(columns.source()) > 0
                    ? group.getString(columns.source(), 0) : source;
            String stage = hasStage && group.getFieldRepetitionCount(columns.stage()) > 0
                    ? group.getValueToString(group.getType().getFieldIndex(columns.stage()), 0) : null;
            return RawRecords.document(file, row, id, rowSource, null, text.text(), stage);
        }

        private static boolean isScalar(Type type) {
            return type.isPrimitive() && !type.isRepetition(Type.Repetition.REPEATED);
        }

        /** Null when {@code name} is a single binary (string) column; else what is wrong with it. */
        private static String stringColumnProblem(MessageType schema, String name, boolean required) {
            if (!schema.containsField(name)) {
                return required ? "no column " + name + " (columns: " + schema.getFields().stream().map(Type::getName).toList()
                        + "; set reader.text_column)" : "absent";
            }
            Type type = schema.getType(name);
            if (!isScalar(type)) {
                return "column " + name + " is " + type + ", expected a string";
            }
            PrimitiveType primitive = type.asPrimitiveType();
            if (primitive.getPrimitiveTypeName() != PrimitiveTypeName.BINARY) {
                return "column " + name + " is " + primitive.getPrimitiveTypeName().name().toLowerCase()
                        + ", expected a string";
            }
            return null;
        }
    }
}
