package io.gemmaspark.serve;

import static io.gemmaspark.serve.ServerFixture.JSON;
import static io.gemmaspark.serve.ServerFixture.events;
import static io.gemmaspark.serve.ServerFixture.get;
import static io.gemmaspark.serve.ServerFixture.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.gemmaspark.model.generation.BatchScheduler;
import io.gemmaspark.model.generation.GenerationOptions;
import io.gemmaspark.model.generation.SequenceListener;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The server on a loopback port with a tiny random model, driven by java.net.http and a plain socket. */
class GemmaServerTest {
    static ServedModel model;
    static GemmaServer server;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        model = TinyModel.create(512);
        server = GemmaServer.start(ServerFixture.settings(4, 8, 60), null, () -> model);
        server.awaitReady();
        port = server.port();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String chat(String extra) {
        return "{\"model\":\"" + TinyModel.ID + "\",\"messages\":[{\"role\":\"user\",\"content\":\"the quick fox\"}]"
                + extra + "}";
    }

    @Test
    void listsTheModelAndReportsHealth() throws Exception {
        ServerFixture.Reply models = get(port, "/v1/models");
        assertEquals(200, models.status());
        assertEquals(TinyModel.ID, models.json().at("/data/0/id").asText());
        assertEquals("list", models.json().get("object").asText());
        ServerFixture.Reply health = get(port, "/health");
        assertEquals(200, health.status());
        assertEquals("ok", health.json().get("status").asText());
    }

    @Test
    void streamedGreedyChunksReassembleToTheNonStreamedCompletion() throws Exception {
        ServerFixture.Reply whole = post(port, "/v1/chat/completions", chat(",\"temperature\":0,\"max_tokens\":40"));
        assertEquals(200, whole.status(), whole.body());
        JsonNode body = whole.json();
        assertEquals("chat.completion", body.get("object").asText());
        assertEquals("assistant", body.at("/choices/0/message/role").asText());
        assertEquals("length", body.at("/choices/0/finish_reason").asText());
        assertEquals(40, body.at("/usage/completion_tokens").asInt());
        assertEquals(body.at("/usage/prompt_tokens").asInt() + 40, body.at("/usage/total_tokens").asInt());
        String text = body.at("/choices/0/message/content").asText();
        assertFalse(text.isEmpty());

        ServerFixture.Reply streamed = post(port, "/v1/chat/completions",
                chat(",\"temperature\":0,\"max_tokens\":40,\"stream\":true,\"stream_options\":{\"include_usage\":true}"));
        assertEquals(200, streamed.status(), streamed.body());
        List<String> events = events(streamed.body());
        assertEquals("[DONE]", events.get(events.size() - 1));
        List<JsonNode> chunks = new ArrayList<>();
        for (String e : events.subList(0, events.size() - 1)) {
            chunks.add(JSON.readTree(e));
        }
        JsonNode first = chunks.get(0);
        assertEquals("assistant", first.at("/choices/0/delta/role").asText());
        StringBuilder reassembled = new StringBuilder();
        String finish = null;
        int finishCount = 0;
        for (JsonNode chunk : chunks) {
            assertEquals(first.get("id").asText(), chunk.get("id").asText());
            assertEquals(first.get("created").asLong(), chunk.get("created").asLong());
            assertEquals("chat.completion.chunk", chunk.get("object").asText());
            if (chunk.get("choices").isEmpty()) {
                continue;
            }
            reassembled.append(chunk.at("/choices/0/delta/content").asText(""));
            if (!chunk.at("/choices/0/finish_reason").isNull()) {
                finish = chunk.at("/choices/0/finish_reason").asText();
                finishCount++;
                assertTrue(chunk.at("/choices/0/delta/content").isTextual(),
                        "the last content chunk carries the finish reason: " + chunk);
            }
        }
        assertEquals(text, reassembled.toString());
        assertEquals("length", finish);
        assertEquals(1, finishCount);
        JsonNode usage = chunks.get(chunks.size() - 1);
        assertTrue(usage.get("choices").isEmpty(), "the usage chunk has no choices");
        assertEquals(40, usage.at("/usage/completion_tokens").asInt());
        JsonNode lastContent = chunks.get(chunks.size() - 2);
        assertEquals("length", lastContent.at("/choices/0/finish_reason").asText());
    }

    @Test
    void stopSequencesEndTheTextBeforeThem() throws Exception {
        String text = post(port, "/v1/chat/completions", chat(",\"temperature\":0,\"max_tokens\":40")).json()
                .at("/choices/0/message/content").asText();
        String stop = text.substring(6, 9);
        String expected = text.substring(0, text.indexOf(stop));
        ServerFixture.Reply stopped = post(port, "/v1/chat/completions",
                chat(",\"temperature\":0,\"max_tokens\":40,\"stop\":[\"" + escape(stop) + "\"]"));
        assertEquals(200, stopped.status(), stopped.body());
        assertEquals(expected, stopped.json().at("/choices/0/message/content").asText());
        assertEquals("stop", stopped.json().at("/choices/0/finish_reason").asText());
        assertTrue(stopped.json().at("/usage/completion_tokens").asInt() < 40);

        ServerFixture.Reply streamed = post(port, "/v1/chat/completions",
                chat(",\"temperature\":0,\"max_tokens\":40,\"stream\":true,\"stop\":\"" + escape(stop) + "\""));
        StringBuilder reassembled = new StringBuilder();
        String finish = null;
        for (String e : events(streamed.body())) {
            if (!e.equals("[DONE]")) {
                JsonNode chunk = JSON.readTree(e);
                reassembled.append(chunk.at("/choices/0/delta/content").asText(""));
                if (!chunk.at("/choices/0/finish_reason").isNull()) {
                    finish = chunk.at("/choices/0/finish_reason").asText();
                }
            }
        }
        assertEquals(expected, reassembled.toString());
        assertEquals("stop", finish);
    }

    private static String escape(String s) throws Exception {
        String quoted = JSON.writeValueAsString(s);
        return quoted.substring(1, quoted.length() - 1);
    }

    @Test
    void textCompletionsAndSeveralChoices() throws Exception {
        ServerFixture.Reply reply = post(port, "/v1/completions",
                "{\"model\":\"" + TinyModel.ID + "\",\"prompt\":\"the lazy dog\",\"max_tokens\":5,\"n\":2,"
                        + "\"temperature\":0.8,\"seed\":3}");
        assertEquals(200, reply.status(), reply.body());
        JsonNode body = reply.json();
        assertEquals("text_completion", body.get("object").asText());
        assertEquals(2, body.get("choices").size());
        assertEquals(10, body.at("/usage/completion_tokens").asInt());
        assertEquals("length", body.at("/choices/1/finish_reason").asText());
        ServerFixture.Reply again = post(port, "/v1/completions",
                "{\"prompt\":\"the lazy dog\",\"max_tokens\":5,\"n\":2,\"temperature\":0.8,\"seed\":3}");
        assertEquals(body.get("choices").toString(), again.json().get("choices").toString(),
                "the same seed samples the same text");
    }

    @Test
    void severalStreamedChoicesCarryTheirIndexAndReassembleToTheWholeChoices() throws Exception {
        String sampling = ",\"temperature\":0.9,\"seed\":5,\"n\":3,\"max_tokens\":12";
        JsonNode whole = post(port, "/v1/chat/completions", chat(sampling)).json();
        ServerFixture.Reply streamed = post(port, "/v1/chat/completions", chat(sampling + ",\"stream\":true"));
        assertEquals(200, streamed.status(), streamed.body());
        StringBuilder[] texts = {new StringBuilder(), new StringBuilder(), new StringBuilder()};
        int[] roles = new int[3];
        String[] finishes = new String[3];
        List<String> events = events(streamed.body());
        assertEquals("[DONE]", events.get(events.size() - 1));
        for (String e : events.subList(0, events.size() - 1)) {
            JsonNode choices = JSON.readTree(e).get("choices");
            assertEquals(1, choices.size(), "one choice per chunk: " + e);
            JsonNode choice = choices.get(0);
            int index = choice.get("index").asInt();
            assertTrue(finishes[index] == null, "no chunk of choice " + index + " after its finish: " + e);
            if (choice.at("/delta/role").isTextual()) {
                roles[index]++;
            }
            texts[index].append(choice.at("/delta/content").asText(""));
            if (!choice.get("finish_reason").isNull()) {
                finishes[index] = choice.get("finish_reason").asText();
            }
        }
        for (int i = 0; i < 3; i++) {
            JsonNode expected = whole.at("/choices/" + i);
            assertEquals(i, expected.get("index").asInt());
            assertEquals(1, roles[i], "choice " + i + " opens with one role delta");
            assertEquals(expected.at("/message/content").asText(), texts[i].toString(), "choice " + i);
            assertEquals(expected.get("finish_reason").asText(), finishes[i], "choice " + i);
        }
        assertFalse(texts[0].toString().equals(texts[1].toString()) && texts[1].toString().equals(texts[2].toString()),
                "each choice samples with its own seed");
    }

    @Test
    void aRequestOutlivingTheTimeoutIsAnswered504AndItsSequencesFreed() throws Exception {
        try (GemmaServer slow = GemmaServer.start(ServerFixture.settings(4, 8, 1), null, () -> model)) {
            slow.awaitReady();
            // A sequence whose listener holds the scheduler's thread: no step runs until it is released.
            CountDownLatch holding = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            slow.scheduler().submit(new int[] {model.bosId(), 5, 6}, GenerationOptions.greedy(1),
                    new SequenceListener() {
                        @Override
                        public void onToken(int token) {
                            holding.countDown();
                            try {
                                release.await(60, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }

                        @Override
                        public void onFinish(Finish reason, int promptTokens, int completionTokens) {
                        }

                        @Override
                        public void onError(RuntimeException error) {
                        }
                    });
            assertTrue(holding.await(60, TimeUnit.SECONDS));
            try {
                long start = System.nanoTime();
                ServerFixture.Reply whole = post(slow.port(), "/v1/chat/completions", chat(",\"max_tokens\":5"));
                assertTrue(System.nanoTime() - start >= 1_000_000_000L, "answered before the 1 s timeout");
                assertError(whole, 504, null);
                assertEquals("request_timeout", whole.json().at("/error/code").asText());
                ServerFixture.Reply streamed = post(slow.port(), "/v1/chat/completions",
                        chat(",\"max_tokens\":5,\"stream\":true"));
                assertError(streamed, 504, null);
                assertEquals("request_timeout", streamed.json().at("/error/code").asText());
            } finally {
                release.countDown();
            }
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (System.nanoTime() < deadline && (slow.stats().running() > 0 || slow.stats().waiting() > 0)) {
                Thread.sleep(20);
            }
            BatchScheduler.Stats stats = slow.stats();
            assertEquals(2, stats.cancelled(), "both timed-out requests were cancelled: " + stats);
            assertEquals(stats.totalKvBlocks(), stats.freeKvBlocks());
        }
    }

    @Test
    void badRequestsGetTheErrorEnvelopeWithTheirStatus() throws Exception {
        assertError(post(port, "/v1/chat/completions", "{\"messages\": [ {"), 400, null);
        assertError(post(port, "/v1/chat/completions", chat(",\"max_tokens\":\"ten\"")), 400, "max_tokens");
        assertError(post(port, "/v1/chat/completions", chat(",\"temperature\":\"hot\"")), 400, "temperature");
        assertError(post(port, "/v1/chat/completions", "{\"messages\":\"hello\"}"), 400, "messages");
        assertError(post(port, "/v1/chat/completions", "{\"messages\":[]}"), 400, "messages");
        assertError(post(port, "/v1/chat/completions", "{\"messages\":[{\"role\":\"assistant\",\"content\":\"hi\"}]}"),
                400, "messages");
        assertError(post(port, "/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},"
                + "{\"role\":\"user\",\"content\":\"b\"}]}"), 400, "messages");
        String longPrompt = "the quick brown fox ".repeat(400);
        ServerFixture.Reply tooLong = post(port, "/v1/chat/completions",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"" + longPrompt + "\"}]}");
        assertError(tooLong, 400, "messages");
        assertEquals("context_length_exceeded", tooLong.json().at("/error/code").asText());
        assertError(post(port, "/v1/chat/completions", "{\"model\":\"gpt-4\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"hi\"}]}"), 404, "model");
        assertError(post(port, "/v1/completions", "{\"prompt\": 42}"), 400, "prompt");
        assertError(post(port, "/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\""
                + "x".repeat(70_000) + "\"}]}"), 413, null);
    }

    static void assertError(ServerFixture.Reply reply, int status, String param) throws Exception {
        assertEquals(status, reply.status(), reply.body());
        JsonNode error = reply.json().get("error");
        assertTrue(error != null && error.get("message").isTextual() && error.get("type").isTextual()
                && error.has("param") && error.has("code"), reply.body());
        if (param != null) {
            assertEquals(param, error.get("param").asText(), reply.body());
        }
    }

    @Test
    void aClientThatDisconnectsMidStreamFreesItsSequence() throws Exception {
        long cancelledBefore = server.stats().cancelled();
        String body = chat(",\"temperature\":0,\"max_tokens\":450,\"stream\":true");
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.write(bytes);
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            int dataLines = 0;
            for (String line = in.readLine(); line != null && dataLines < 3; line = in.readLine()) {
                if (line.startsWith("data: ")) {
                    dataLines++;
                }
            }
            assertEquals(3, dataLines);
        }
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline
                && (server.stats().cancelled() == cancelledBefore || server.stats().running() > 0)) {
            Thread.sleep(20);
        }
        assertTrue(server.stats().cancelled() > cancelledBefore, "the disconnected sequence was cancelled: "
                + server.stats());
        assertEquals(0, server.stats().running());
        assertEquals(server.stats().totalKvBlocks(), server.stats().freeKvBlocks());
    }

    @Test
    void aFullQueueAnswers429AndEveryOtherRequestCompletes() throws Exception {
        try (GemmaServer busy = GemmaServer.start(ServerFixture.settings(1, 1, 60), null, () -> model)) {
            busy.awaitReady();
            ExecutorService clients = Executors.newFixedThreadPool(6);
            List<Future<ServerFixture.Reply>> replies = new ArrayList<>();
            CountDownLatch go = new CountDownLatch(1);
            for (int i = 0; i < 6; i++) {
                replies.add(clients.submit(() -> {
                    go.await();
                    return post(busy.port(), "/v1/chat/completions", chat(",\"temperature\":0,\"max_tokens\":300"));
                }));
            }
            go.countDown();
            int ok = 0;
            int refused = 0;
            for (Future<ServerFixture.Reply> f : replies) {
                ServerFixture.Reply reply = f.get();
                if (reply.status() == 429) {
                    assertError(reply, 429, null);
                    refused++;
                } else {
                    assertEquals(200, reply.status(), reply.body());
                    ok++;
                }
            }
            clients.shutdown();
            assertTrue(refused >= 1 && ok >= 1, ok + " answered, " + refused + " refused");
        }
    }

    @Test
    void answers503WhileTheModelLoadsAndChecksTheApiKey() throws Exception {
        CountDownLatch loaded = new CountDownLatch(1);
        try (GemmaServer loading = GemmaServer.start(ServerFixture.settings(2, 2, 60), "sesame", () -> {
            loaded.await();
            return model;
        })) {
            assertEquals(503, get(loading.port(), "/health").status());
            ServerFixture.Reply early = ServerFixture.CLIENT.send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create("http://127.0.0.1:" + loading.port() + "/v1/chat/completions"))
                    .header("Authorization", "Bearer sesame")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(chat(""))).build(),
                    r -> java.net.http.HttpResponse.BodySubscribers.mapping(
                            java.net.http.HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8),
                            b -> new ServerFixture.Reply(r.statusCode(), b))).body();
            assertError(early, 503, null);
            loaded.countDown();
            loading.awaitReady();
            assertEquals(200, get(loading.port(), "/health").status());
            assertError(post(loading.port(), "/v1/chat/completions", chat("")), 401, null);
        }
    }
}
