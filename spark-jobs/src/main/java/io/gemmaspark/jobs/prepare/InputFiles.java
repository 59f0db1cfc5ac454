package io.gemmaspark.jobs.prepare;

import io.gemmaspark.util.UserError;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;

/**
 * The raw files behind the {@code --input} arguments: files, directories (walked recursively) and globs on any
 * Hadoop file system, each typed by its extension once the compression suffix is removed. Only metadata
 * (paths and lengths) is gathered here, on the driver; the contents are read by Spark tasks.
 */
public final class InputFiles {
    /** How a raw file is parsed. */
    public enum Format {
        JSONL, TEXT, PARQUET;

        static Format ofName(String name, CompressionCodecFactory codecs) {
            String plain = name.toLowerCase(Locale.ROOT);
            var codec = codecs.getCodec(new Path(name));
            if (codec != null) {
                plain = CompressionCodecFactory.removeSuffix(plain, codec.getDefaultExtension());
            }
            if (plain.endsWith(".jsonl") || plain.endsWith(".ndjson") || plain.endsWith(".json")) {
                return JSONL;
            }
            if (plain.endsWith(".txt") || plain.endsWith(".text")) {
                return TEXT;
            }
            if (plain.endsWith(".parquet")) {
                return PARQUET;
            }
            return null;
        }
    }

    /** One raw file. */
    public record InputFile(String path, Format format, long length) implements Serializable {
    }

    private final List<InputFile> files;
    private final List<String> skipped;

    private InputFiles(List<InputFile> files, List<String> skipped) {
        this.files = files;
        this.skipped = skipped;
    }

    public List<InputFile> files() {
        return files;
    }

    public List<InputFile> files(Format format) {
        return files.stream().filter(f -> f.format() == format).toList();
    }

    /** Files found in directories whose extension names no known format; they are listed, never read. */
    public List<String> skipped() {
        return skipped;
    }

    public long totalBytes() {
        return files.stream().mapToLong(InputFile::length).sum();
    }

    /**
     * Resolves every argument. {@code forcedFormat} (from configuration) types files whose extension is unknown;
     * when it is null such a file named explicitly is an error and one met in a directory is skipped.
     */
    public static InputFiles resolve(List<String> inputs, Format forcedFormat, Configuration conf) {
        if (inputs == null || inputs.isEmpty()) {
            throw new UserError("no input: pass at least one --input PATH (file, directory or glob)");
        }
        CompressionCodecFactory codecs = new CompressionCodecFactory(conf);
        List<InputFile> files = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (String input : inputs) {
            int before = files.size();
            try {
                Path pattern = new Path(input);
                FileSystem fs = pattern.getFileSystem(conf);
                FileStatus[] matches = fs.globStatus(pattern);
                if (matches == null || matches.length == 0) {
                    throw new UserError(input + ": input path does not exist"
                            + (isGlob(input) ? " (the glob matches nothing)" : ""));
                }
                for (FileStatus match : matches) {
                    if (match.isDirectory()) {
                        walk(fs, match.getPath(), forcedFormat, codecs, files, skipped);
                    } else {
                        Format format = forcedFormat != null ? forcedFormat : Format.ofName(match.getPath().getName(), codecs);
                        if (format == null) {
                            throw new UserError(match.getPath() + ": unknown input format (expected .jsonl, .json, "
                                    + ".ndjson, .txt or .parquet, optionally compressed, or set reader.format)");
                        }
                        files.add(new InputFile(match.getPath().toString(), format, match.getLen()));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list input " + input, e);
            }
            if (files.size() == before) {
                throw new UserError(input + ": input is empty (no .jsonl, .txt or .parquet files found)");
            }
        }
        files.sort(Comparator.comparing(InputFile::path));
        List<InputFile> distinct = new ArrayList<>();
        for (InputFile f : files) {
            if (distinct.isEmpty() || !distinct.get(distinct.size() - 1).path().equals(f.path())) {
                distinct.add(f);
            }
        }
        if (distinct.stream().allMatch(f -> f.length() == 0)) {
            throw new UserError(String.join(", ", inputs) + ": input is empty (every file has 0 bytes)");
        }
        return new InputFiles(List.copyOf(distinct), List.copyOf(skipped));
    }

    /** A file's bytes, decompressed by the codec its extension names ({@link ZstdCodec#register} for .zst). */
    public static InputStream open(String file, Configuration conf) throws IOException {
        Path path = new Path(file);
        CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(path);
        InputStream raw = path.getFileSystem(conf).open(path);
        return codec == null ? raw : codec.createInputStream(raw);
    }

    private static void walk(FileSystem fs, Path dir, Format forcedFormat, CompressionCodecFactory codecs,
                             List<InputFile> files, List<String> skipped) throws IOException {
        for (FileStatus child : fs.listStatus(dir)) {
            String name = child.getPath().getName();
            if (name.startsWith(".") || name.startsWith("_")) {
                continue; // hidden files, _SUCCESS markers and temporary output
            }
            if (child.isDirectory()) {
                walk(fs, child.getPath(), forcedFormat, codecs, files, skipped);
                continue;
            }
            Format format = forcedFormat != null ? forcedFormat : Format.ofName(name, codecs);
            if (format == null) {
                skipped.add(child.getPath().toString());
            } else {
                files.add(new InputFile(child.getPath().toString(), format, child.getLen()));
            }
        }
    }

    private static boolean isGlob(String path) {
        return path.indexOf('*') >= 0 || path.indexOf('?') >= 0 || path.indexOf('[') >= 0 || path.indexOf('{') >= 0;
    }
}
