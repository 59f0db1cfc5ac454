package io.gemmaspark.serve;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gemmaspark.model.generation.BatchScheduler;
import io.undertow.Undertow;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import io.undertow.server.handlers.BlockingHandler;
import io.undertow.util.Headers;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OpenAI-compatible HTTP server (Undertow). It listens at once and loads the model in the background:
 * until the model is ready, {@code /health} and every API call answer 503.
 *
 * <p>Routes: {@code POST /v1/chat/completions}, {@code POST /v1/completions}, {@code GET /v1/models},
 * {@code GET /health}. With an API key, {@code /v1/*} requires {@code Authorization: Bearer <key>}.
 */
public final class GemmaServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GemmaServer.class);

    private final ServeSettings settings;
    private final String apiKey;
    private final Undertow undertow;
    private final CompletableFuture<ServingEngine> engine = new CompletableFuture<>();
    private final CompletionHandler chat;
    private final CompletionHandler completions;

    private GemmaServer(ServeSettings settings, String apiKey) {
        this.settings = settings;
        this.apiKey = apiKey == null || apiKey.isEmpty() ? null : apiKey;
        this.chat = new CompletionHandler(true, settings);
        this.completions = new CompletionHandler(false, settings);
        RoutingHandler routes = new RoutingHandler()
                .get("/health", this::health)
                .get("/v1/models", exchange -> api(exchange, this::models))
                .post("/v1/chat/completions", exchange -> api(exchange, e -> complete(e, chat)))
                .post("/v1/completions", exchange -> api(exchange, e -> complete(e, completions)))
                .setFallbackHandler(exchange -> HttpJson.sendError(exchange, new ApiException(404,
                        "invalid_request_error", null, "not_found", "no route " + exchange.getRequestPath())))
                .setInvalidMethodHandler(exchange -> HttpJson.sendError(exchange, new ApiException(405,
                        "invalid_request_error", null, "method_not_allowed",
                        exchange.getRequestMethod() + " is not allowed on " + exchange.getRequestPath())));
        this.undertow = Undertow.builder()
                .addHttpListener(settings.port(), settings.host())
                .setWorkerThreads(settings.workerThreads())
                .setHandler(new BlockingHandler(routes))
                .build();
    }

    /**
     * Starts listening, then loads the model on another thread.
     *
     * @param apiKey the Bearer token /v1/* requires, or null for none
     */
    public static GemmaServer start(ServeSettings settings, String apiKey, Callable<ServedModel> loader) {
        GemmaServer server = new GemmaServer(settings, apiKey);
        server.undertow.start();
        Thread loading = new Thread(() -> {
            try {
                server.engine.complete(ServingEngine.start(loader.call(), settings));
            } catch (Throwable e) {
                LOG.error("loading the model failed", e);
                server.engine.completeExceptionally(e);
            }
        }, "gemma-model-loader");
        loading.setDaemon(true);
        loading.start();
        return server;
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
    }

    /** Blocks until the model is loaded; rethrows a loading failure. */
    public void awaitReady() throws InterruptedException, ExecutionException {
        engine.get();
    }

    /** The scheduler's counters once loaded (tests and the load benchmark read them). */
    public BatchScheduler.Stats stats() {
        return engine.join().scheduler().stats();
    }

    /** The scheduler once loaded (tests hold it busy to reach the timeout path). */
    BatchScheduler scheduler() {
        return engine.join().scheduler();
    }

    @Override
    public void close() {
        undertow.stop();
        engine.thenAccept(e -> e.scheduler().close());
    }

    private interface ApiCall {
        void handle(HttpServerExchange exchange) throws Exception;
    }

    private void api(HttpServerExchange exchange, ApiCall call) {
        try {
            if (apiKey != null && !("Bearer " + apiKey).equals(exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION))) {
                throw new ApiException(401, "invalid_request_error", null, "invalid_api_key",
                        "missing or wrong API key: send 'Authorization: Bearer <key>'");
            }
            ready();
            call.handle(exchange);
        } catch (ApiException e) {
            if (!exchange.isResponseStarted()) {
                HttpJson.sendError(exchange, e);
            }
        } catch (Exception e) {
            LOG.error("request {} failed", exchange.getRequestPath(), e);
            if (!exchange.isResponseStarted()) {
                HttpJson.sendError(exchange, new ApiException(500, "server_error", null, null, String.valueOf(e)));
            }
        }
    }

    private ServingEngine ready() {
        if (!engine.isDone()) {
            throw new ApiException(503, "service_unavailable", null, "model_loading", "the model is still loading");
        }
        if (engine.isCompletedExceptionally()) {
            throw new ApiException(503, "service_unavailable", null, "model_failed", "the model failed to load");
        }
        return engine.join();
    }

    private void health(HttpServerExchange exchange) {
        ObjectNode body = CompletionResponses.JSON.createObjectNode();
        if (!engine.isDone() || engine.isCompletedExceptionally()) {
            body.put("status", engine.isDone() ? "failed" : "loading");
            HttpJson.send(exchange, 503, body);
            return;
        }
        BatchScheduler.Stats stats = engine.join().scheduler().stats();
        body.put("status", "ok");
        body.put("model", engine.join().model().id());
        body.put("running", stats.running());
        body.put("waiting", stats.waiting());
        body.put("free_kv_blocks", stats.freeKvBlocks());
        body.put("total_kv_blocks", stats.totalKvBlocks());
        body.put("preemptions", stats.preemptions());
        body.put("cancelled", stats.cancelled());
        HttpJson.send(exchange, 200, body);
    }

    private void models(HttpServerExchange exchange) {
        ObjectNode body = CompletionResponses.JSON.createObjectNode();
        body.put("object", "list");
        ObjectNode model = body.putArray("data").addObject();
        model.put("id", ready().model().id());
        model.put("object", "model");
        model.put("created", 0);
        model.put("owned_by", "gemma-spark");
        model.put("max_model_len", ready().parser().contextLength());
        HttpJson.send(exchange, 200, body);
    }

    private void complete(HttpServerExchange exchange, CompletionHandler handler) throws Exception {
        handler.handle(exchange, ready(), body(exchange));
    }

    /** The request body, refused with 413 past {@code max_body_bytes} (declared or actual). */
    private byte[] body(HttpServerExchange exchange) throws IOException {
        long declared = exchange.getRequestContentLength();
        if (declared > settings.maxBodyBytes()) {
            throw tooLarge();
        }
        InputStream in = exchange.getInputStream();
        byte[] bytes = in.readNBytes(settings.maxBodyBytes() + 1);
        if (bytes.length > settings.maxBodyBytes()) {
            throw tooLarge();
        }
        return bytes;
    }

    private ApiException tooLarge() {
        return new ApiException(413, "invalid_request_error", null, "request_too_large",
                "the request body exceeds " + settings.maxBodyBytes() + " bytes");
    }
}
