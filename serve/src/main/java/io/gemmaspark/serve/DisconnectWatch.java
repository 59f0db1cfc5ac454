package io.gemmaspark.serve;

import io.undertow.server.HttpServerExchange;
import io.undertow.server.ServerConnection;
import io.undertow.util.AttachmentKey;

/**
 * Cancels the request running on a connection when the client closes it. One watch (and one close listener) per
 * connection: Undertow cannot remove close listeners, so adding one per request would pile them up on keep-alive
 * connections. HTTP/1.1 runs one request at a time per connection, so the watch holds at most one run.
 */
final class DisconnectWatch {
    private static final AttachmentKey<DisconnectWatch> KEY = AttachmentKey.create(DisconnectWatch.class);

    private volatile CompletionRun current;

    static DisconnectWatch of(HttpServerExchange exchange) {
        ServerConnection connection = exchange.getConnection();
        synchronized (connection) {
            DisconnectWatch watch = connection.getAttachment(KEY);
            if (watch == null) {
                DisconnectWatch created = new DisconnectWatch();
                connection.putAttachment(KEY, created);
                connection.addCloseListener(closed -> {
                    CompletionRun run = created.current;
                    if (run != null) {
                        run.cancelFromAnyThread();
                    }
                });
                watch = created;
            }
            return watch;
        }
    }

    void watch(CompletionRun run) {
        current = run;
    }

    void clear() {
        current = null;
    }
}
