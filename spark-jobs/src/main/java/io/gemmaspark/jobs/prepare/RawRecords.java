package io.gemmaspark.jobs.prepare;

import io.gemmaspark.filtering.DropReason;
import io.gemmaspark.filtering.InputLimitFilter;
import java.util.Iterator;
import java.util.function.Function;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The one row shape every reader produces: a record's location (file and 1-based line, or row for Parquet),
 * its fields, and, for a record that could not be read, the reason and a short detail instead of text.
 */
public final class RawRecords {
    /**
     * Why a reader could not turn a record into a document. Reported under the input limits' name, so a text
     * too long to read counts with texts too long to filter ({@code input:too_long}). A blank JSONL line and an
     * empty input file hold no document but are counted ({@code input:blank_line}, {@code input:empty_file}, the
     * latter with line 0), so that every line and file of the input shows up in the counts.
     */
    public enum ReadFailure {
        MALFORMED_JSON, WRONG_TYPE, MISSING_TEXT, TOO_LONG, BLANK_LINE, EMPTY_FILE;

        public final DropReason reason = DropReason.of(InputLimitFilter.NAME, this);
    }

    public static final String MALFORMED_JSON = ReadFailure.MALFORMED_JSON.reason.name();
    public static final String WRONG_TYPE = ReadFailure.WRONG_TYPE.reason.name();
    public static final String MISSING_TEXT = ReadFailure.MISSING_TEXT.reason.name();
    public static final String TOO_LONG = ReadFailure.TOO_LONG.reason.name();
    public static final String BLANK_LINE = ReadFailure.BLANK_LINE.reason.name();
    public static final String EMPTY_FILE = ReadFailure.EMPTY_FILE.reason.name();

    public static final StructType SCHEMA = new StructType()
            .add("file", DataTypes.StringType, false)
            .add("line", DataTypes.LongType, false)
            .add("id", DataTypes.StringType, true)
            .add("source", DataTypes.StringType, true)
            .add("url", DataTypes.StringType, true)
            .add("text", DataTypes.StringType, true)
            .add("reason", DataTypes.StringType, true)
            .add("detail", DataTypes.StringType, true)
            // the stage an earlier prepare assigned (its kept/ shards), for tokenize; null for raw corpora
            .add("stage", DataTypes.StringType, true);

    private RawRecords() {
    }

    public static Row document(String file, long line, String id, String source, String url, String text) {
        return document(file, line, id, source, url, text, null);
    }

    public static Row document(String file, long line, String id, String source, String url, String text,
                               String stage) {
        return RowFactory.create(file, line, id, source, url, text, null, null, stage);
    }

    public static Row bad(String file, long line, String source, ReadFailure failure, String detail) {
        return bad(file, line, source, failure.reason, detail);
    }

    /** A record dropped while reading for a reason a filter declares, such as invalid UTF-8 under the drop policy. */
    public static Row bad(String file, long line, String source, DropReason reason, String detail) {
        return RowFactory.create(file, line, null, source, null, null, reason.name(), truncate(detail), null);
    }

    /** The corpus name a file stands for when its records carry none: its name without extensions. */
    public static String defaultSource(String file) {
        String name = new Path(file).getName();
        int dot = name.indexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    public static String location(String file, long line) {
        return file + ":" + line;
    }

    /** A lazy map over a partition's rows, so that no task holds its partition in memory. */
    public static <A, B> Iterator<B> map(Iterator<A> rows, Function<A, B> f) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public B next() {
                return f.apply(rows.next());
            }
        };
    }

    private static String truncate(String detail) {
        if (detail == null) {
            return null;
        }
        String oneLine = detail.replace('\n', ' ').replace('\r', ' ');
        return oneLine.length() <= 200 ? oneLine : oneLine.substring(0, 200) + "...";
    }
}
