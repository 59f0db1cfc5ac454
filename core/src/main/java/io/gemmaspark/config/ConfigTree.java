package io.gemmaspark.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * A parsed YAML document as plain maps, lists and scalar strings, remembering where every key came from
 * (file and line, or the --set that overrode it) so that binding errors can point at it.
 */
public final class ConfigTree {
    private final Map<String, Object> root;
    private final Map<String, String> origins;

    private ConfigTree(Map<String, Object> root, Map<String, String> origins) {
        this.root = root;
        this.origins = origins;
    }

    public static ConfigTree empty() {
        return new ConfigTree(new LinkedHashMap<>(), new HashMap<>());
    }

    public static ConfigTree parseFile(Path file) {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parse(reader, file.toString());
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read configuration: " + e.getMessage());
        }
    }

    public static ConfigTree parseStream(InputStream in, String sourceName) {
        return parse(new java.io.InputStreamReader(in, StandardCharsets.UTF_8), sourceName);
    }

    public static ConfigTree parseString(String yaml, String sourceName) {
        return parse(new StringReader(yaml), sourceName);
    }

    private static ConfigTree parse(Reader reader, String sourceName) {
        Node document;
        try {
            document = new Yaml(new LoaderOptions()).compose(reader);
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
            throw new ConfigException(sourceName + ":" + line + ": invalid YAML: " + e.getProblem());
        } catch (YAMLException e) {
            throw new ConfigException(sourceName + ": invalid YAML: " + e.getMessage());
        }
        Map<String, String> origins = new HashMap<>();
        if (document == null) {
            return new ConfigTree(new LinkedHashMap<>(), origins);
        }
        if (!(document instanceof MappingNode mapping)) {
            throw new ConfigException(sourceName + ": expected a mapping of keys at the top level");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> root = (Map<String, Object>) toPlain(mapping, "", sourceName, origins);
        return new ConfigTree(root, origins);
    }

    private static Object toPlain(Node node, String path, String source, Map<String, String> origins) {
        origins.put(path, source + ":" + (node.getStartMark().getLine() + 1));
        if (node instanceof ScalarNode scalar) {
            return scalar.getTag().getValue().endsWith(":null") ? null : scalar.getValue();
        }
        if (node instanceof SequenceNode sequence) {
            List<Object> list = new ArrayList<>();
            for (int i = 0; i < sequence.getValue().size(); i++) {
                list.add(toPlain(sequence.getValue().get(i), path + "[" + i + "]", source, origins));
            }
            return list;
        }
        MappingNode mapping = (MappingNode) node;
        Map<String, Object> map = new LinkedHashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            if (!(tuple.getKeyNode() instanceof ScalarNode keyNode)) {
                throw new ConfigException(source + ":" + (tuple.getKeyNode().getStartMark().getLine() + 1)
                        + ": keys must be plain strings");
            }
            String key = keyNode.getValue();
            String childPath = path.isEmpty() ? key : path + "." + key;
            if (map.containsKey(key)) {
                throw new ConfigException(origins.getOrDefault(path, source) + ": key '" + childPath + "' appears twice");
            }
            map.put(key, toPlain(tuple.getValueNode(), childPath, source, origins));
        }
        return map;
    }

    /** Applies {@code a.b.c=value}; the value is read as a YAML scalar or flow collection. */
    public ConfigTree withOverride(String assignment) {
        int eq = assignment.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("--set " + assignment + ": expected key=value");
        }
        String key = assignment.substring(0, eq).trim();
        String valueText = assignment.substring(eq + 1);
        String origin = "--set " + assignment;
        Object value;
        ConfigTree parsedValue = parseString("v: " + (valueText.isEmpty() ? "''" : valueText), origin);
        value = parsedValue.root.get("v");
        Map<String, Object> map = root;
        String[] parts = key.split("\\.");
        String path = "";
        for (int i = 0; i < parts.length - 1; i++) {
            path = path.isEmpty() ? parts[i] : path + "." + parts[i];
            Object child = map.get(parts[i]);
            if (child == null) {
                child = new LinkedHashMap<String, Object>();
                map.put(parts[i], child);
                origins.put(path, origin);
            } else if (!(child instanceof Map)) {
                throw new ConfigException(origin + ": key '" + path + "' is not a section, cannot set '" + key + "'");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> next = (Map<String, Object>) child;
            map = next;
        }
        map.put(parts[parts.length - 1], value);
        markOrigin(key, value, origin);
        return this;
    }

    private void markOrigin(String path, Object value, String origin) {
        origins.put(path, origin);
        if (value instanceof Map<?, ?> m) {
            m.forEach((k, v) -> markOrigin(path + "." + k, v, origin));
        }
    }

    public Map<String, Object> root() {
        return root;
    }

    /** Where a key came from: "file:line" or "--set key=value". */
    public String originOf(String path, String fallback) {
        String p = path;
        while (true) {
            String origin = origins.get(p);
            if (origin != null) {
                return origin;
            }
            int dot = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
            if (dot <= 0) {
                return fallback;
            }
            p = p.substring(0, dot);
        }
    }
}
