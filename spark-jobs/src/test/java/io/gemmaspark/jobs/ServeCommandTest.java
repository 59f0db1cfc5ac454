package io.gemmaspark.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/gemma serve} as the CLI runs it: configuration from conf/serve, a model directory, a real client. */
class ServeCommandTest {
    @TempDir
    Path tmp;

    @Test
    void servesAModelDirectoryOnLoopback() throws Exception {
        Path model = TinyModelDir.create(tmp);
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Thread serving = new Thread(() -> GemmaCli.commandLine().execute("serve", "--model", model.toString(),
                "--port", String.valueOf(port), "--set", "scheduler.kv_cache_tokens=2048"));
        serving.setDaemon(true);
        serving.start();
        HttpClient client = HttpClient.newHttpClient();
        URI health = URI.create("http://127.0.0.1:" + port + "/health");
        int status = 0;
        for (int i = 0; i < 600 && status != 200; i++) {
            try {
                status = client.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString())
                        .statusCode();
            } catch (java.io.IOException notYetListening) {
                status = 0;
            }
            if (status != 200) {
                Thread.sleep(100);
            }
        }
        assertEquals(200, status, "the server came up");
        HttpResponse<String> reply = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"model\",\"messages\":[{\"role\":\"user\","
                        + "\"content\":\"spark\"}],\"max_tokens\":5,\"temperature\":0}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, reply.statusCode(), reply.body());
        assertTrue(reply.body().contains("\"object\":\"chat.completion\""), reply.body());
        HttpResponse<String> models = client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/v1/models")).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(models.body().contains("\"id\":\"model\""), models.body());
        serving.interrupt();
        serving.join(10_000);
    }
}
