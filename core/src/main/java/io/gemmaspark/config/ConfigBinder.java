package io.gemmaspark.config;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Binds a {@link ConfigTree} to Java records. YAML keys are snake_case spellings of the record components
 * (dModel ← d_model). Unknown keys, missing required keys, wrong types and out-of-range values are
 * {@link ConfigException}s naming the origin, the full key and the expected type.
 *
 * <p>Supported component types: primitives and their boxes, String, enums (matched case-insensitively),
 * nested records, {@code List<T>} and {@code Map<String,T>}. A record may validate cross-field rules in its
 * compact constructor by throwing IllegalArgumentException; the message is reported against its section.
 */
public final class ConfigBinder {
    private final ConfigTree tree;
    private final String sourceName;

    private ConfigBinder(ConfigTree tree, String sourceName) {
        this.tree = tree;
        this.sourceName = sourceName;
    }

    public static <R> R bind(ConfigTree tree, String sourceName, Class<R> type) {
        return type.cast(new ConfigBinder(tree, sourceName).bindRecord(tree.root(), "", type));
    }

    /** Binds the section at {@code path} (e.g. "model"), or the whole tree when path is empty. */
    public static <R> R bindSection(ConfigTree tree, String sourceName, String path, Class<R> type) {
        ConfigBinder binder = new ConfigBinder(tree, sourceName);
        Object section = tree.root();
        if (!path.isEmpty()) {
            for (String part : path.split("\\.")) {
                section = section instanceof Map<?, ?> m ? m.get(part) : null;
            }
            if (section == null) {
                throw new ConfigException(sourceName + ": missing section '" + path + "'");
            }
        }
        return type.cast(binder.bindValue(section, path, type, type));
    }

    public static String snakeCase(String camel) {
        StringBuilder out = new StringBuilder();
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                out.append('_').append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private ConfigException error(String path, String problem) {
        String where = tree.originOf(path, sourceName);
        return new ConfigException(where + ": key '" + path + "': " + problem);
    }

    private Object bindRecord(Object node, String path, Class<?> type) {
        if (!(node instanceof Map<?, ?> rawMap)) {
            throw error(path, "expected a section (" + describe(type) + "), got " + show(node));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) rawMap;
        RecordComponent[] components = type.getRecordComponents();
        Map<String, RecordComponent> byKey = new LinkedHashMap<>();
        for (RecordComponent c : components) {
            byKey.put(snakeCase(c.getName()), c);
        }
        for (String key : map.keySet()) {
            if (!byKey.containsKey(key)) {
                String childPath = join(path, key);
                throw error(childPath, "unknown key; expected one of " + String.join(", ", byKey.keySet()));
            }
        }
        Object[] args = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            String key = snakeCase(c.getName());
            String childPath = join(path, key);
            Object value;
            if (map.containsKey(key)) {
                value = map.get(key);
            } else {
                Default def = c.getAnnotation(Default.class);
                if (def == null) {
                    throw error(childPath, "missing required key (" + describe(c.getType()) + ")");
                }
                value = "null".equals(def.value()) ? null
                        : ConfigTree.parseString("v: " + def.value(), "default").root().get("v");
            }
            Object bound = value == null ? nullFor(c, childPath) : bindValue(value, childPath, c.getType(), c.getGenericType());
            checkRange(c.getAnnotation(Range.class), bound, childPath);
            args[i] = bound;
        }
        try {
            Constructor<?> ctor = type.getDeclaredConstructor(
                    Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new));
            ctor.setAccessible(true);
            return ctor.newInstance(args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ConfigException ce) {
                throw ce;
            }
            throw error(path.isEmpty() ? "(top level)" : path, cause.getMessage());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot construct " + type.getName(), e);
        }
    }

    private Object nullFor(RecordComponent c, String path) {
        if (c.getType().isPrimitive()) {
            throw error(path, "expected " + describe(c.getType()) + ", got null");
        }
        return null;
    }

    private Object bindValue(Object node, String path, Class<?> type, Type generic) {
        if (type.isRecord()) {
            return bindRecord(node, path, type);
        }
        if (List.class.isAssignableFrom(type)) {
            Type element = ((ParameterizedType) generic).getActualTypeArguments()[0];
            List<?> items = node instanceof List<?> l ? l : List.of(node);
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                out.add(bindValue(items.get(i), path + "[" + i + "]", rawClass(element), element));
            }
            return List.copyOf(out);
        }
        if (Map.class.isAssignableFrom(type)) {
            if (!(node instanceof Map<?, ?> m)) {
                throw error(path, "expected a section of key: value pairs, got " + show(node));
            }
            Type valueType = ((ParameterizedType) generic).getActualTypeArguments()[1];
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String childPath = join(path, String.valueOf(e.getKey()));
                out.put(String.valueOf(e.getKey()), bindValue(e.getValue(), childPath, rawClass(valueType), valueType));
            }
            return java.util.Collections.unmodifiableMap(out);
        }
        if (!(node instanceof String text)) {
            throw error(path, "expected " + describe(type) + ", got " + show(node));
        }
        return parseScalar(text, path, type);
    }

    private Object parseScalar(String text, String path, Class<?> type) {
        try {
            if (type == String.class) {
                return text;
            }
            if (type == int.class || type == Integer.class) {
                return Integer.valueOf(stripUnderscores(text));
            }
            if (type == long.class || type == Long.class) {
                return parseLong(stripUnderscores(text));
            }
            if (type == double.class || type == Double.class) {
                return Double.valueOf(text);
            }
            if (type == float.class || type == Float.class) {
                return Float.valueOf(text);
            }
            if (type == boolean.class || type == Boolean.class) {
                return switch (text.toLowerCase(Locale.ROOT)) {
                    case "true", "yes", "on" -> true;
                    case "false", "no", "off" -> false;
                    default -> throw new NumberFormatException();
                };
            }
            if (type.isEnum()) {
                for (Object constant : type.getEnumConstants()) {
                    if (((Enum<?>) constant).name().equalsIgnoreCase(text.replace('-', '_'))) {
                        return constant;
                    }
                }
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            throw error(path, "expected " + describe(type) + ", got " + show(text));
        }
        throw new IllegalStateException("unsupported configuration type " + type.getName() + " at " + path);
    }

    /** Integers may be written 1e9 or 1_000_000 for token budgets. */
    private static Long parseLong(String text) {
        try {
            return Long.valueOf(text);
        } catch (NumberFormatException e) {
            double d = Double.parseDouble(text);
            if (d != Math.rint(d) || Math.abs(d) > 9.0e18) {
                throw e;
            }
            return (long) d;
        }
    }

    private static String stripUnderscores(String text) {
        return text.replace("_", "");
    }

    private void checkRange(Range range, Object value, String path) {
        if (range == null || !(value instanceof Number number)) {
            return;
        }
        double v = number.doubleValue();
        if (v < range.min() || v > range.max()) {
            throw error(path, "value " + value + " is out of range [" + fmt(range.min()) + ", " + fmt(range.max()) + "]");
        }
    }

    private static String fmt(double bound) {
        if (Double.isInfinite(bound)) {
            return bound > 0 ? "inf" : "-inf";
        }
        return bound == Math.rint(bound) ? String.valueOf((long) bound) : String.valueOf(bound);
    }

    private static String describe(Class<?> type) {
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            return "an integer";
        }
        if (type == double.class || type == Double.class || type == float.class || type == Float.class) {
            return "a number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type.isEnum()) {
            return "one of " + Arrays.stream(type.getEnumConstants())
                    .map(c -> ((Enum<?>) c).name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "));
        }
        if (List.class.isAssignableFrom(type)) {
            return "a list";
        }
        return "a section";
    }

    private static String show(Object node) {
        if (node instanceof String s) {
            return "'" + s + "'";
        }
        if (node instanceof List) {
            return "a list";
        }
        if (node instanceof Map) {
            return "a section";
        }
        return String.valueOf(node);
    }

    private static Class<?> rawClass(Type type) {
        if (type instanceof Class<?> c) {
            return c;
        }
        return (Class<?>) ((ParameterizedType) type).getRawType();
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }
}
