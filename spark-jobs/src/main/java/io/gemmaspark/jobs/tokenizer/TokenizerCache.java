package io.gemmaspark.jobs.tokenizer;

import io.gemmaspark.model.tokenizer.Tokenizer;
import io.gemmaspark.model.tokenizer.TokenizerFiles;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One tokenizer per executor JVM for a model broadcast as bytes: building the merge tables once and sharing the
 * word cache across tasks is what makes executors fast.
 */
public final class TokenizerCache {
    private static final Map<Integer, Tokenizer> BY_CONTENT = new ConcurrentHashMap<>();

    private TokenizerCache() {
    }

    public static Tokenizer get(byte[] modelBytes, String source) {
        return BY_CONTENT.computeIfAbsent(Arrays.hashCode(modelBytes) * 31 + modelBytes.length,
                key -> TokenizerFiles.fromBytes(modelBytes, source));
    }
}
