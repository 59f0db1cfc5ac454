package io.gemmaspark.jobs.prepare;

import io.gemmaspark.config.ConfigLoader;
import java.util.List;

/**
 * The reader settings of {@code tokenize} and {@code tokenizer-train}: the {@code reader:} section of
 * {@code conf/prepare/default.yaml}, so that they read exactly what {@code prepare} reads. Their
 * {@code --set reader.KEY=VALUE} options change it; every other {@code --set} belongs to the command's own file.
 *
 * @param reader         the bound reader section
 * @param otherOverrides the overrides that are not the reader's
 */
public record ReaderConfig(PrepareSettings.Reader reader, List<String> otherOverrides) {
    public static final String CONF = "prepare/default";
    private static final String SECTION = "reader";

    public static ReaderConfig from(List<String> overrides) {
        List<String> readerOverrides = overrides.stream().filter(ReaderConfig::isReaderKey).toList();
        return new ReaderConfig(ConfigLoader.load(CONF, SECTION, PrepareSettings.Reader.class, readerOverrides),
                overrides.stream().filter(o -> !isReaderKey(o)).toList());
    }

    /** Prepare's reader as configured, without overrides. */
    public static PrepareSettings.Reader defaults() {
        return from(List.of()).reader();
    }

    private static boolean isReaderKey(String override) {
        return override.startsWith(SECTION + ".");
    }
}
