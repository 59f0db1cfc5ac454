package io.gemmaspark.evaluation.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Typed reads of a JSON record's fields that fail with the field's name. */
final class Fields {
    private Fields() {
    }

    static JsonNode required(JsonNode doc, String field) {
        JsonNode v = doc.get(field);
        if (v == null || v.isNull()) {
            throw new BadExampleException(field, "missing field '" + field + "'");
        }
        return v;
    }

    static String text(JsonNode doc, String field) {
        JsonNode v = required(doc, field);
        if (!v.isTextual()) {
            throw new BadExampleException(field, "field '" + field + "' must be a string, got " + v.getNodeType());
        }
        return v.asText();
    }

    /** An integer, also accepted as a string of digits (HellaSwag's label is a string in the public files). */
    static int integer(JsonNode doc, String field) {
        JsonNode v = required(doc, field);
        if (v.isIntegralNumber()) {
            return v.asInt();
        }
        if (v.isTextual() && v.asText().trim().matches("-?\\d+")) {
            return Integer.parseInt(v.asText().trim());
        }
        throw new BadExampleException(field, "field '" + field + "' must be an integer, got " + v);
    }

    static List<String> texts(JsonNode doc, String field) {
        JsonNode v = required(doc, field);
        return textsOf(v, field);
    }

    static List<String> textsOf(JsonNode v, String field) {
        if (!v.isArray()) {
            throw new BadExampleException(field, "field '" + field + "' must be a list of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isTextual()) {
                throw new BadExampleException(field, "field '" + field + "' must be a list of strings, has " + e);
            }
            out.add(e.asText());
        }
        return out;
    }

    static int index(int value, int size, String field) {
        if (value < 0 || value >= size) {
            throw new BadExampleException(field, "field '" + field + "' is " + value + ", out of range for " + size
                    + " choices");
        }
        return value;
    }

    static List<String> exactly(List<String> values, int count, String field) {
        if (values.size() != count) {
            throw new BadExampleException(field, "field '" + field + "' has " + values.size() + " choices, expected "
                    + count);
        }
        return values;
    }
}
