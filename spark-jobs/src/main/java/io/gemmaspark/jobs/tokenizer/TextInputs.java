package io.gemmaspark.jobs.tokenizer;

import io.gemmaspark.util.UserError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Training and tokenizing inputs: clean-document Parquet (a {@code text} column, docs/data-formats.md) or plain text files.
 * Documents are cut into lines, SentencePiece's unit of training text.
 */
public final class TextInputs {
    private TextInputs() {
    }

    /** Lines of all inputs; Parquet documents are split on newlines, text files are read line by line. */
    public static JavaRDD<String> lines(SparkSession spark, List<String> inputs) {
        JavaRDD<String> all = null;
        for (String input : inputs) {
            JavaRDD<String> lines = isParquet(input, spark.sparkContext().hadoopConfiguration())
                    ? documents(spark, input).select("text").javaRDD()
                        .flatMap(row -> row.isNullAt(0) ? List.<String>of().iterator()
                                : Arrays.asList(row.getString(0).split("\n", -1)).iterator())
                    : JavaSparkContext.fromSparkContext(spark.sparkContext()).textFile(input);
            all = all == null ? lines : all.union(lines);
        }
        if (all == null) {
            throw new UserError("no inputs given (--input)");
        }
        return all;
    }

    /** Clean documents from Parquet; fails naming the path when there is no {@code text} column. */
    public static Dataset<Row> documents(SparkSession spark, String input) {
        Dataset<Row> docs = spark.read().parquet(input);
        if (!Arrays.asList(docs.columns()).contains("text")) {
            throw new UserError(input + ": Parquet has no 'text' column (columns: "
                    + String.join(", ", docs.columns()) + ")");
        }
        return docs;
    }

    /** A Parquet file, or a directory holding Parquet files (possibly in partition subdirectories). */
    public static boolean isParquet(String input, Configuration conf) {
        try {
            Path path = new Path(input);
            FileSystem fs = path.getFileSystem(conf);
            FileStatus[] matches = fs.globStatus(path);
            if (matches == null || matches.length == 0) {
                throw new UserError(input + ": no such file or directory");
            }
            List<FileStatus> queue = new ArrayList<>(Arrays.asList(matches));
            for (int depth = 0; depth < 3 && !queue.isEmpty(); depth++) {
                List<FileStatus> next = new ArrayList<>();
                for (FileStatus status : queue) {
                    if (status.isFile()) {
                        if (status.getPath().getName().endsWith(".parquet")) {
                            return true;
                        }
                    } else {
                        next.addAll(Arrays.asList(fs.listStatus(status.getPath())));
                    }
                }
                queue = next;
            }
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + input, e);
        }
    }
}
