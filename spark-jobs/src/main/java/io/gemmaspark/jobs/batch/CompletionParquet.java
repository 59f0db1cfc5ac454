package io.gemmaspark.jobs.batch;

import java.io.IOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * One partition's completions as a Parquet file, written under a hidden name and renamed into place, so a file
 * with the final name is always complete (a rerun skips it).
 */
final class CompletionParquet {
    static final MessageType SCHEMA = MessageTypeParser.parseMessageType("message completion {"
            + " required binary id (STRING); required binary completion (STRING);"
            + " required int32 prompt_tokens; required int32 completion_tokens;"
            + " required binary finish_reason (STRING); }");

    record Completion(String id, String completion, int promptTokens, int completionTokens, String finishReason) {}

    private CompletionParquet() {
    }

    static String fileName(int partition) {
        return String.format("part-%05d.parquet", partition);
    }

    static void write(Path dir, int partition, List<Completion> rows, Configuration conf) throws IOException {
        Path target = new Path(dir, fileName(partition));
        Path temp = new Path(dir, "." + fileName(partition) + ".tmp");
        FileSystem fs = dir.getFileSystem(conf);
        fs.delete(temp, false);
        SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(HadoopOutputFile.fromPath(temp, conf))
                .withType(SCHEMA).withConf(conf).withCompressionCodec(CompressionCodecName.SNAPPY).build()) {
            for (Completion c : rows) {
                writer.write(groups.newGroup().append("id", c.id()).append("completion", c.completion())
                        .append("prompt_tokens", c.promptTokens()).append("completion_tokens", c.completionTokens())
                        .append("finish_reason", c.finishReason()));
            }
        }
        fs.delete(new Path(dir, "." + fileName(partition) + ".tmp.crc"), false);
        if (!fs.rename(temp, target)) {
            throw new IOException("cannot rename " + temp + " to " + target);
        }
    }
}
