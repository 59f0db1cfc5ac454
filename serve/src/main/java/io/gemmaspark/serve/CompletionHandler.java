package io.gemmaspark.serve;

import com.fasterxml.jackson.databind.JsonNode;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * {@code POST /v1/chat/completions} and {@code POST /v1/completions}: parses the request, runs its choices through
 * the scheduler and answers with one JSON body or, with {@code stream}, server-sent events.
 */
final class CompletionHandler {
    private final boolean chat;
    private final ServeSettings settings;

    CompletionHandler(boolean chat, ServeSettings settings) {
        this.chat = chat;
        this.settings = settings;
    }

    void handle(HttpServerExchange exchange, ServingEngine engine, byte[] body) throws Exception {
        JsonNode json = RequestParser.parseJson(body);
        CompletionRequest request = chat ? engine.parser().chat(json) : engine.parser().completion(json);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(settings.requestTimeoutSeconds());
        CompletionResponses responses = new CompletionResponses(chat, engine.model().id());
        DisconnectWatch watch = DisconnectWatch.of(exchange);
        try (CompletionRun run = new CompletionRun(engine.scheduler(), engine.model(), request)) {
            // A client that goes away frees its sequences at once (the scheduler drops them before its next step).
            watch.watch(run);
            if (request.stream()) {
                stream(exchange, request, run, responses, deadline);
            } else {
                whole(exchange, request, run, responses, deadline);
            }
        } finally {
            watch.clear();
        }
    }

    private static void whole(HttpServerExchange exchange, CompletionRequest request, CompletionRun run,
                              CompletionResponses responses, long deadline) throws Exception {
        StringBuilder[] texts = new StringBuilder[request.n()];
        String[] reasons = new String[request.n()];
        for (int i = 0; i < texts.length; i++) {
            texts[i] = new StringBuilder();
        }
        for (CompletionRun.Update u = run.next(deadline); u != null; u = run.next(deadline)) {
            texts[u.index()].append(u.text());
            if (u.finishReason() != null) {
                reasons[u.index()] = u.finishReason();
            }
        }
        String[] strings = new String[texts.length];
        for (int i = 0; i < texts.length; i++) {
            strings[i] = texts[i].toString();
        }
        HttpJson.send(exchange, 200, responses.whole(strings, reasons, run.promptTokens(), run.completionTokens()));
    }

    /**
     * Server-sent events: a role chunk per choice (chat), text chunks, the finish reason on each choice's last
     * text chunk (one piece is held back so that the last real chunk can carry it), the usage chunk when asked
     * for, then {@code [DONE]}. A failed write means the client left: the run is closed, freeing its sequences.
     */
    private static void stream(HttpServerExchange exchange, CompletionRequest request, CompletionRun run,
                               CompletionResponses responses, long deadline) throws Exception {
        // Waiting for the first update before sending headers lets a failure before any text keep its status.
        CompletionRun.Update first = run.next(deadline);
        exchange.setStatusCode(200);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-cache");
        OutputStream out = exchange.getOutputStream();
        try {
            if (request.chat()) {
                for (int i = 0; i < request.n(); i++) {
                    send(out, responses.roleChunk(i).toString());
                }
            }
            String[] held = new String[request.n()];
            try {
                for (CompletionRun.Update u = first; u != null; u = run.next(deadline)) {
                    int i = u.index();
                    if (u.finishReason() != null) {
                        String last = (held[i] == null ? "" : held[i]) + u.text();
                        held[i] = null;
                        send(out, responses.chunk(i, last, u.finishReason()).toString());
                    } else {
                        if (held[i] != null) {
                            send(out, responses.chunk(i, held[i], null).toString());
                        }
                        held[i] = u.text();
                    }
                }
            } catch (ApiException e) {
                send(out, HttpJson.errorBody(e).toString());
                send(out, "[DONE]");
                return;
            }
            if (request.includeUsage()) {
                send(out, responses.usageChunk(run.promptTokens(), run.completionTokens()).toString());
            }
            send(out, "[DONE]");
        } catch (IOException clientGone) {
            run.close();
        }
    }

    private static void send(OutputStream out, String data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
