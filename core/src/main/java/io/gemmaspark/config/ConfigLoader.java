package io.gemmaspark.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Finds configuration files and binds them with --set overrides applied.
 *
 * <p>A reference is either a path to a YAML file, or a name relative to the configuration directory
 * ("models/tiny" or "models/tiny.yaml"). The configuration directory is {@code $GEMMA_CONF_DIR}, else
 * {@code ./conf}; when neither has the file, the copy of {@code conf/} packaged on the classpath is used, so
 * the shaded jar works under spark-submit on a cluster with nothing else installed.
 */
public final class ConfigLoader {
    private ConfigLoader() {
    }

    public static <R> R load(String reference, Class<R> type, List<String> overrides) {
        return load(reference, "", type, overrides);
    }

    /** Loads and binds the section at {@code section} ("" for the whole file). */
    public static <R> R load(String reference, String section, Class<R> type, List<String> overrides) {
        ConfigTree tree = read(reference);
        for (String override : overrides) {
            tree.withOverride(override);
        }
        return ConfigBinder.bindSection(tree, describe(reference), section, type);
    }

    public static ConfigTree read(String reference) {
        String name = reference.endsWith(".yaml") || reference.endsWith(".yml") || Files.isRegularFile(Path.of(reference))
                ? reference : reference + ".yaml";
        ConfFile file = open(name);
        try (InputStream in = file.stream()) {
            return ConfigTree.parseStream(in, file.description());
        } catch (IOException e) {
            throw new ConfigException(file.description() + ": cannot read: " + e.getMessage());
        }
    }

    /** A configuration resource opened by {@link #open}, with the name errors should use. */
    public record ConfFile(InputStream stream, String description) {
    }

    /**
     * Opens any file that configuration refers to (YAML, word lists): a path, else a name under the
     * configuration directory, else the copy of conf/ packaged on the classpath.
     */
    public static ConfFile open(String reference) {
        try {
            Path direct = Path.of(reference);
            if (Files.isRegularFile(direct)) {
                return new ConfFile(Files.newInputStream(direct), direct.toString());
            }
            Path inConfDir = confDir().resolve(reference);
            if (Files.isRegularFile(inConfDir)) {
                return new ConfFile(Files.newInputStream(inConfDir), inConfDir.toString());
            }
        } catch (IOException e) {
            throw new ConfigException(reference + ": cannot read: " + e.getMessage());
        }
        InputStream packaged = ConfigLoader.class.getClassLoader().getResourceAsStream("conf/" + reference);
        if (packaged != null) {
            return new ConfFile(packaged, "conf/" + reference + " (packaged)");
        }
        throw new ConfigException(reference + ": no such configuration file (looked for " + reference + ", "
                + confDir().resolve(reference) + " and conf/" + reference + " on the classpath)");
    }

    public static Path confDir() {
        String env = System.getenv("GEMMA_CONF_DIR");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of("conf");
    }

    private static String describe(String reference) {
        return reference;
    }
}
