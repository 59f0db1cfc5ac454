package io.gemmaspark.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Reads request bodies into {@link CompletionRequest}s, with OpenAI's field names and a 400 naming the field for
 * anything malformed, of the wrong type, out of range, or too long for the context.
 */
final class RequestParser {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int OPENAI_COMPLETIONS_DEFAULT_MAX_TOKENS = 16;
    private static final int MAX_STOP_STRINGS = 4;

    private final ServedModel model;
    private final ServeSettings settings;
    private final int contextLength;

    RequestParser(ServedModel model, ServeSettings settings, int contextLength) {
        this.model = model;
        this.settings = settings;
        this.contextLength = contextLength;
    }

    int contextLength() {
        return contextLength;
    }

    static JsonNode parseJson(byte[] body) {
        try {
            JsonNode root = JSON.readTree(body);
            if (root == null || !root.isObject()) {
                throw ApiException.invalid(null, "the request body must be a JSON object");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw ApiException.invalid(null, "the request body is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw ApiException.invalid(null, "the request body cannot be read: " + e.getMessage());
        }
    }

    CompletionRequest chat(JsonNode body) {
        checkModel(body);
        String prompt = ChatPrompt.render(ChatMessages.parse(body.get("messages")));
        return common(body, true, prompt, "messages", settings.defaultMaxTokens());
    }

    CompletionRequest completion(JsonNode body) {
        checkModel(body);
        JsonNode prompt = body.get("prompt");
        String text;
        if (prompt != null && prompt.isTextual()) {
            text = prompt.asText();
        } else if (prompt != null && prompt.isArray() && prompt.size() == 1 && prompt.get(0).isTextual()) {
            text = prompt.get(0).asText();
        } else if (prompt == null || prompt.isNull()) {
            throw ApiException.invalid("prompt", "'prompt' is required");
        } else {
            throw ApiException.wrongType("prompt", "a string (or an array of one string)");
        }
        return common(body, false, text, "prompt", OPENAI_COMPLETIONS_DEFAULT_MAX_TOKENS);
    }

    private void checkModel(JsonNode body) {
        JsonNode name = body.get("model");
        if (name == null || name.isNull()) {
            return;
        }
        if (!name.isTextual()) {
            throw ApiException.wrongType("model", "a string");
        }
        if (!name.asText().equals(model.id())) {
            throw new ApiException(404, "invalid_request_error", "model", "model_not_found",
                    "The model '" + name.asText() + "' does not exist; this server serves '" + model.id() + "'");
        }
    }

    private CompletionRequest common(JsonNode body, boolean chat, String prompt, String promptParam,
                                     int defaultMaxTokens) {
        int[] text = model.codec().encode(prompt);
        int[] ids = new int[text.length + 1];
        ids[0] = model.bosId();
        System.arraycopy(text, 0, ids, 1, text.length);
        int room = contextLength - ids.length;
        if (room < 1) {
            throw new ApiException(400, "invalid_request_error", promptParam, "context_length_exceeded",
                    "This model's maximum context length is " + contextLength + " tokens, but the prompt has "
                            + ids.length + " tokens, leaving no room for the completion");
        }
        Integer requested = integer(body, "max_completion_tokens", 1, Integer.MAX_VALUE);
        if (requested == null) {
            requested = integer(body, "max_tokens", 1, Integer.MAX_VALUE);
        }
        int maxTokens = Math.min(Math.min(requested == null ? defaultMaxTokens : requested, settings.maxTokensLimit()),
                room);
        Double temperature = number(body, "temperature", 0, 2);
        Double topP = number(body, "top_p", 0, 1);
        if (topP != null && topP == 0) {
            throw ApiException.invalid("top_p", "'top_p' must be greater than 0");
        }
        Integer topK = integer(body, "top_k", -1, Integer.MAX_VALUE);
        JsonNode seedNode = body.get("seed");
        long seed;
        if (seedNode == null || seedNode.isNull()) {
            seed = ThreadLocalRandom.current().nextLong();
        } else if (seedNode.isIntegralNumber()) {
            seed = seedNode.asLong();
        } else {
            throw ApiException.wrongType("seed", "an integer");
        }
        Integer n = integer(body, "n", 1, settings.maxN());
        Boolean stream = bool(body, "stream");
        boolean includeUsage = false;
        JsonNode options = body.get("stream_options");
        if (options != null && !options.isNull()) {
            if (!options.isObject()) {
                throw ApiException.wrongType("stream_options", "an object");
            }
            JsonNode usage = options.get("include_usage");
            if (usage != null && !usage.isNull() && !usage.isBoolean()) {
                throw ApiException.wrongType("stream_options.include_usage", "a boolean");
            }
            includeUsage = usage != null && usage.asBoolean();
        }
        return new CompletionRequest(chat, ids, maxTokens, temperature == null ? 1.0 : temperature,
                topK == null || topK < 0 ? 0 : topK, topP == null ? 1.0 : topP, seed, stop(body),
                n == null ? 1 : n, stream != null && stream, includeUsage);
    }

    private static List<String> stop(JsonNode body) {
        JsonNode stop = body.get("stop");
        List<String> strings = new ArrayList<>();
        if (stop == null || stop.isNull()) {
            return strings;
        }
        if (stop.isTextual()) {
            strings.add(stop.asText());
        } else if (stop.isArray()) {
            for (JsonNode s : stop) {
                if (!s.isTextual()) {
                    throw ApiException.wrongType("stop", "a string or an array of strings");
                }
                strings.add(s.asText());
            }
        } else {
            throw ApiException.wrongType("stop", "a string or an array of strings");
        }
        if (strings.size() > MAX_STOP_STRINGS) {
            throw ApiException.invalid("stop", "at most " + MAX_STOP_STRINGS + " stop sequences are allowed");
        }
        strings.removeIf(String::isEmpty);
        return strings;
    }

    private static Integer integer(JsonNode body, String field, int min, int max) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw ApiException.wrongType(field, "an integer");
        }
        if (v.asInt() < min || v.asInt() > max) {
            throw ApiException.invalid(field, "'" + field + "' must be between " + min + " and " + max + ", got "
                    + v.asInt());
        }
        return v.asInt();
    }

    private static Double number(JsonNode body, String field, double min, double max) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw ApiException.wrongType(field, "a number");
        }
        if (v.asDouble() < min || v.asDouble() > max) {
            throw ApiException.invalid(field, "'" + field + "' must be between " + min + " and " + max + ", got "
                    + v.asDouble());
        }
        return v.asDouble();
    }

    private static Boolean bool(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isBoolean()) {
            throw ApiException.wrongType(field, "a boolean");
        }
        return v.asBoolean();
    }
}
