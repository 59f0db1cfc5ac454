package io.gemmaspark.model.tokenizer;

import io.gemmaspark.util.UserError;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Loads a tokenizer from a SentencePiece {@code .model} or a Hugging Face {@code tokenizer.json} on any Hadoop path. */
public final class TokenizerFiles {
    private TokenizerFiles() {
    }

    public static Tokenizer load(String path) {
        return fromBytes(readBytes(path), path);
    }

    /** A {@code .json} name is read as a Hugging Face tokenizer.json, anything else as a SentencePiece model. */
    public static Tokenizer fromBytes(byte[] bytes, String source) {
        if (source.endsWith(".json")) {
            return HuggingFaceTokenizerJson.parse(bytes, source);
        }
        return SentencePieceModelFile.tokenizer(SentencePieceModelFile.parse(bytes, source), source);
    }

    public static byte[] readBytes(String path) {
        try {
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(new Configuration());
            try (InputStream in = fs.open(p)) {
                return in.readAllBytes();
            }
        } catch (FileNotFoundException e) {
            throw new UserError(path + ": no such tokenizer file");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    public static void writeBytes(byte[] bytes, Path path, Configuration conf) {
        try (OutputStream out = path.getFileSystem(conf).create(path, true)) {
            out.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path, e);
        }
    }
}
