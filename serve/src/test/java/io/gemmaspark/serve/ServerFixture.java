package io.gemmaspark.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Settings for tests (loopback, a free port) and a java.net.http client speaking to the server. */
final class ServerFixture {
    static final ObjectMapper JSON = new ObjectMapper();

    private ServerFixture() {
    }

    static ServeSettings settings(int maxRunning, int maxWaiting, int timeoutSeconds) {
        return new ServeSettings("127.0.0.1", 0, "GEMMA_TEST_NO_SUCH_VARIABLE", 64 * 1024, 1024, 32, 4,
                timeoutSeconds, 64, 0, 256, new ServeSettings.Scheduler(maxRunning, 64, maxWaiting, 16, 8192));
    }

    record Reply(int status, String body) {
        JsonNode json() throws Exception {
            return JSON.readTree(body);
        }
    }

    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    static Reply post(int port, String path, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), response.body());
    }

    static Reply get(int port, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(60)).GET().build();
        HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), response.body());
    }

    /** The JSON payloads of a server-sent event stream, {@code [DONE]} included as text. */
    static List<String> events(String body) {
        List<String> events = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            if (block.isBlank()) {
                continue;
            }
            if (!block.startsWith("data: ")) {
                throw new AssertionError("not an SSE data block: " + block);
            }
            events.add(block.substring("data: ".length()));
        }
        return events;
    }
}
