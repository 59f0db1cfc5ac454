package io.gemmaspark.training.sft;

import io.gemmaspark.util.UserError;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;

/**
 * The non-blank lines of JSONL files named by a Hadoop path, a directory (its files, sorted) or a glob, each with
 * its file and 1-based line number so that a bad record can be named. Compressed files (.gz, .bz2, ...) are read
 * through Hadoop's codecs. Fine-tuning sets are small (thousands of conversations), so they are read on the driver.
 */
public final class JsonlLines {
    /** One line of input. */
    public record Line(String file, long number, String text) {
        public String where() {
            return file + ":" + number;
        }
    }

    private JsonlLines() {
    }

    public static List<Line> read(String pathOrGlob, Configuration conf) {
        List<Line> lines = new ArrayList<>();
        CompressionCodecFactory codecs = new CompressionCodecFactory(conf);
        for (Path file : files(pathOrGlob, conf)) {
            try (InputStream raw = file.getFileSystem(conf).open(file)) {
                CompressionCodec codec = codecs.getCodec(file);
                InputStream in = codec == null ? raw : codec.createInputStream(raw);
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                long number = 0;
                for (String text = reader.readLine(); text != null; text = reader.readLine()) {
                    number++;
                    if (!text.isBlank()) {
                        lines.add(new Line(file.toString(), number, text));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
        return lines;
    }

    static List<Path> files(String pathOrGlob, Configuration conf) {
        try {
            Path path = new Path(pathOrGlob);
            FileSystem fs = path.getFileSystem(conf);
            FileStatus[] matched = fs.globStatus(path);
            if (matched == null || matched.length == 0) {
                throw new UserError(pathOrGlob + ": no such file, directory or glob match");
            }
            List<Path> files = new ArrayList<>();
            for (FileStatus status : matched) {
                if (status.isDirectory()) {
                    Arrays.stream(fs.listStatus(status.getPath())).filter(FileStatus::isFile)
                            .map(FileStatus::getPath)
                            .filter(p -> !p.getName().startsWith(".") && !p.getName().startsWith("_"))
                            .forEach(files::add);
                } else {
                    files.add(status.getPath());
                }
            }
            files.sort(Comparator.comparing(Path::toString));
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + pathOrGlob, e);
        }
    }
}
