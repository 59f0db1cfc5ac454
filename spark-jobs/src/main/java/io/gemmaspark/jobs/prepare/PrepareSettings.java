package io.gemmaspark.jobs.prepare;

import io.gemmaspark.config.Default;
import io.gemmaspark.config.Range;
import java.io.Serializable;

/**
 * How the prepare job reads, links and writes ({@code conf/prepare/default.yaml}); which documents survive is
 * the filter configuration's business, named by {@code filters}.
 *
 * @param filters  filter configuration: a path, or a name under conf/ such as filters/default
 * @param reader   how raw files are parsed
 * @param nearDup  how MinHash LSH candidates become clusters
 * @param output   shard size and what else is written
 */
public record PrepareSettings(
        @Default("filters/default") String filters,
        Reader reader,
        NearDup nearDup,
        Output output) implements Serializable {

    /**
     * @param format        auto (by extension), jsonl, text or parquet
     * @param textSeparator for text files: a line that separates documents; empty for one document per file
     * @param textColumn    Parquet column holding the document text
     * @param idColumn      Parquet column holding the document id, if present
     * @param sourceColumn  Parquet column holding the corpus name, if present
     * @param stageColumn   Parquet column holding a stage an earlier prepare assigned, if present (tokenize)
     * @param maxRecordBytes a JSONL line, text line or document, or Parquet text value longer than this is
     *                       {@code input:too_long}; lines are measured while they stream past, never held whole
     */
    public record Reader(@Default("auto") String format, @Default("\"\"") String textSeparator,
                        @Default("text") String textColumn, @Default("id") String idColumn,
                        @Default("source") String sourceColumn, @Default("stage") String stageColumn,
                        @Default("8388608") @Range(min = 16, max = 1 << 30) int maxRecordBytes)
            implements Serializable {
        public Reader {
            if (!format.matches("auto|jsonl|text|parquet")) {
                throw new IllegalArgumentException("format must be auto, jsonl, text or parquet, got '" + format + "'");
            }
        }

        public InputFiles.Format forcedFormat() {
            return format.equals("auto") ? null : InputFiles.Format.valueOf(format.toUpperCase(java.util.Locale.ROOT));
        }
    }

    /**
     * How LSH buckets become candidate pairs (shingles, bands and the similarity threshold are filter settings:
     * dedup.near_duplicates in the filter configuration).
     *
     * @param maxBucketSize an LSH bucket up to this size checks all its pairs; a larger one (a very common band,
     *                      e.g. boilerplate) checks each member against at most this many representatives
     *                      ({@link BucketLinks}), keeping the pair count linear
     */
    public record NearDup(@Default("64") @Range(min = 2) int maxBucketSize) implements Serializable {
    }

    /**
     * @param targetShardMb    uncompressed text per kept/ Parquet shard (the files are smaller, zstd-compressed)
     * @param writeRejected    also write rejected/ with every dropped record and its reason
     * @param badInputSamples  how many bad-input locations the manifest lists
     */
    public record Output(@Default("128") @Range(min = 1) int targetShardMb, @Default("true") boolean writeRejected,
                         @Default("20") @Range(min = 0, max = 10000) int badInputSamples) implements Serializable {
    }
}
