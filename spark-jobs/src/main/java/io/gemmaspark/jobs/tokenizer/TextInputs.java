package io.gemmaspark.jobs.tokenizer;

import io.gemmaspark.filtering.normalize.InvalidUtf8Policy;
import io.gemmaspark.jobs.prepare.InputReader;
import io.gemmaspark.jobs.prepare.LazyIterator;
import io.gemmaspark.jobs.prepare.PrepareSettings;
import io.gemmaspark.jobs.prepare.RawRecords;
import io.gemmaspark.jobs.prepare.ReasonCounter;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * What {@code tokenizer-train} and {@code tokenize} read: the documents of any input {@code prepare} reads (through
 * its {@link InputReader}: JSONL, text, Parquet such as prepare's own kept/ shards; compressed or not; files,
 * directories, globs). Malformed UTF-8 is replaced by U+FFFD, as spm_train and spm_encode do. Records that cannot
 * be read are counted by reason in {@code skipped} and left out.
 */
public final class TextInputs {
    /** Stage of documents that carry none (raw corpora). */
    public static final String DEFAULT_STAGE = "default";
    private static final int ID = RawRecords.SCHEMA.fieldIndex("id");
    private static final int SOURCE = RawRecords.SCHEMA.fieldIndex("source");
    private static final int TEXT = RawRecords.SCHEMA.fieldIndex("text");
    private static final int REASON = RawRecords.SCHEMA.fieldIndex("reason");
    private static final int STAGE = RawRecords.SCHEMA.fieldIndex("stage");

    /** One readable document: its id (may be null), text, stage and corpus. */
    public record Document(String id, String text, String stage, String source) implements Serializable {
    }

    private TextInputs() {
    }

    public static JavaRDD<Document> documents(SparkSession spark, List<String> inputs, PrepareSettings.Reader reader,
                                              ReasonCounter skipped) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        JavaRDD<Row> rows = InputReader.read(sc, inputs, reader, InvalidUtf8Policy.REPLACE,
                InputReader.configuration(sc)).rows();
        return rows.mapPartitions(partition -> readable(partition, skipped));
    }

    /** Lines of every document, SentencePiece's unit of training text. */
    public static JavaRDD<String> lines(SparkSession spark, List<String> inputs, PrepareSettings.Reader reader,
                                        ReasonCounter skipped) {
        return documents(spark, inputs, reader, skipped)
                .flatMap(doc -> Arrays.asList(doc.text().split("\n", -1)).iterator());
    }

    private static Iterator<Document> readable(Iterator<Row> rows, ReasonCounter skipped) {
        return new LazyIterator<>() {
            @Override
            protected Document produce() {
                if (!rows.hasNext()) {
                    end();
                    return null;
                }
                Row row = rows.next();
                if (!row.isNullAt(REASON)) {
                    skipped.add(row.getString(REASON));
                    return null;
                }
                return new Document(row.getString(ID), row.getString(TEXT),
                        row.isNullAt(STAGE) ? DEFAULT_STAGE : row.getString(STAGE), row.getString(SOURCE));
            }
        };
    }
}
