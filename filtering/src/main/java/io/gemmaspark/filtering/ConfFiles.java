package io.gemmaspark.filtering;

import io.gemmaspark.config.ConfigException;
import io.gemmaspark.config.ConfigLoader;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads word-list files named in filter configuration, looked up the way {@link ConfigLoader} finds YAML: a path,
 * else a name under the configuration directory, else the copy of conf/ packaged in the jar.
 */
public final class ConfFiles {
    private ConfFiles() {
    }

    /** Non-blank lines, trimmed, without '#' comment lines. */
    public static List<String> readEntries(String reference) {
        List<String> entries = new ArrayList<>();
        try (BufferedReader reader = open(reference)) {
            String line;
            while ((line = reader.readLine()) != null) {
                String entry = line.strip();
                if (!entry.isEmpty() && !entry.startsWith("#")) {
                    entries.add(entry);
                }
            }
        } catch (IOException e) {
            throw new ConfigException(reference + ": cannot read: " + e.getMessage());
        }
        return entries;
    }

    private static BufferedReader open(String reference) {
        ConfigLoader.ConfFile file = ConfigLoader.open(reference);
        return new BufferedReader(new InputStreamReader(file.stream(), StandardCharsets.UTF_8));
    }
}
