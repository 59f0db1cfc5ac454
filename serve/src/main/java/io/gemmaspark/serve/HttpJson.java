package io.gemmaspark.serve;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.nio.charset.StandardCharsets;

/** JSON responses and OpenAI's error envelope. */
final class HttpJson {
    private HttpJson() {
    }

    static void send(HttpServerExchange exchange, int status, ObjectNode body) {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        exchange.getResponseSender().send(body.toString(), StandardCharsets.UTF_8);
    }

    /** {@code {"error":{"message","type","param","code"}}}. */
    static ObjectNode errorBody(ApiException e) {
        ObjectNode root = CompletionResponses.JSON.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", e.getMessage());
        error.put("type", e.type);
        if (e.param == null) {
            error.putNull("param");
        } else {
            error.put("param", e.param);
        }
        if (e.code == null) {
            error.putNull("code");
        } else {
            error.put("code", e.code);
        }
        return root;
    }

    static void sendError(HttpServerExchange exchange, ApiException e) {
        if (e.status == 429) {
            exchange.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
        }
        send(exchange, e.status, errorBody(e));
    }
}
