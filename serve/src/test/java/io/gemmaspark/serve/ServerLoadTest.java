package io.gemmaspark.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

/**
 * 16 concurrent streaming clients against 127.0.0.1 for a bounded time and count: every request is answered
 * (200, or 429 when the queue is full), and the JVM heap and the native memory are flat after warm-up.
 */
class ServerLoadTest {
    private static final int CLIENTS = 16;
    private static final long WARM_UP_NANOS = 10_000_000_000L;
    private static final long RUN_NANOS = 30_000_000_000L;
    /** A bound well past what 30 s allow (about 450 a client at 230 requests/s), so that time ends the run. */
    private static final int MAX_REQUESTS_PER_CLIENT = 1_500;

    private record Outcome(int status, long ttftNanos, int completionTokens) {}

    @Test
    void sixteenStreamingClientsAreAllAnsweredWithFlatMemory() throws Exception {
        ServedModel model = TinyModel.create(512);
        try (GemmaServer server = GemmaServer.start(ServerFixture.settings(16, 64, 60), null, () -> model)) {
            server.awaitReady();
            int port = server.port();
            List<Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger unexpected = new AtomicInteger();
            AtomicLong measuredSince = new AtomicLong();
            long start = System.nanoTime();
            long[] memoryAfterWarmUp = new long[2];
            ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
            List<Future<?>> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                clients.add(pool.submit(() -> {
                    for (int i = 0; i < MAX_REQUESTS_PER_CLIENT && System.nanoTime() - start < RUN_NANOS; i++) {
                        Outcome o = streamOne(port, "client " + client + " request " + i, i);
                        if (o.status() != 200 && o.status() != 429) {
                            unexpected.incrementAndGet();
                        }
                        if (System.nanoTime() - start > WARM_UP_NANOS) {
                            outcomes.add(o);
                        }
                    }
                    return null;
                }));
            }
            Thread.sleep(WARM_UP_NANOS / 1_000_000);
            memoryAfterWarmUp[0] = usedHeapAfterGc();
            memoryAfterWarmUp[1] = Pointer.totalBytes();
            measuredSince.set(System.nanoTime());
            for (Future<?> f : clients) {
                f.get();
            }
            double seconds = (System.nanoTime() - measuredSince.get()) / 1e9;
            pool.shutdown();
            long heapGrowth = usedHeapAfterGc() - memoryAfterWarmUp[0];
            long nativeGrowth = Pointer.totalBytes() - memoryAfterWarmUp[1];

            List<Long> ttft = new ArrayList<>();
            long tokens = 0;
            int refused = 0;
            for (Outcome o : outcomes) {
                if (o.status() == 200) {
                    ttft.add(o.ttftNanos());
                    tokens += o.completionTokens();
                } else if (o.status() == 429) {
                    refused++;
                }
            }
            Collections.sort(ttft);
            System.out.printf(Locale.ROOT, "load: %d clients, %d requests in %.1f s after warm-up: %.1f requests/s, "
                            + "%.0f tokens/s, TTFT p50 %.0f ms p95 %.0f ms, %d refused (429); heap %+.1f MB, "
                            + "ND4J native %+.1f MB; scheduler %s%n", CLIENTS, ttft.size(), seconds, ttft.size() / seconds,
                    tokens / seconds, percentile(ttft, 0.5) / 1e6, percentile(ttft, 0.95) / 1e6, refused,
                    heapGrowth / 1e6, nativeGrowth / 1e6, server.stats());
            assertEquals(0, unexpected.get(), "only 200 and 429 answers");
            assertTrue(ttft.size() >= CLIENTS, "requests completed: " + ttft.size());
            assertTrue(heapGrowth < 64_000_000, "heap grew by " + heapGrowth);
            assertTrue(nativeGrowth < 64_000_000, "ND4J native memory grew by " + nativeGrowth);
            assertEquals(server.stats().totalKvBlocks(), server.stats().freeKvBlocks(), "every KV block returned");
        }
    }

    /** One streamed chat completion; TTFT is the time to the first chunk with content. */
    private static Outcome streamOne(int port, String text, int i) {
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}],\"max_tokens\":" + (16 + i % 17)
                + ",\"temperature\":0.7,\"seed\":" + i + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        long sent = System.nanoTime();
        try {
            HttpResponse<Stream<String>> response = ServerFixture.CLIENT.send(request,
                    HttpResponse.BodyHandlers.ofLines());
            long ttft = -1;
            int completionTokens = 0;
            Iterator<String> lines = response.body().iterator();
            while (lines.hasNext()) {
                String line = lines.next();
                if (!line.startsWith("data: {")) {
                    continue;
                }
                JsonNode chunk = ServerFixture.JSON.readTree(line.substring(6));
                if (ttft < 0 && chunk.at("/choices/0/delta/content").asText("").length() > 0) {
                    ttft = System.nanoTime() - sent;
                }
                if (chunk.has("usage")) {
                    completionTokens = chunk.at("/usage/completion_tokens").asInt();
                }
            }
            return new Outcome(response.statusCode(), ttft < 0 ? System.nanoTime() - sent : ttft, completionTokens);
        } catch (Exception e) {
            return new Outcome(-1, 0, 0);
        }
    }

    /**
     * The live heap in bytes, from HotSpot's class histogram (the "Total" line), which counts only objects
     * reachable after a full collection. Used-minus-free read after {@code System.gc()} also counts garbage that
     * the server's still-running threads allocate meanwhile, and varied by tens of MB from run to run. Two
     * collections a second apart, so that what finalizers and cleaners release is gone too.
     */
    private static long usedHeapAfterGc() throws Exception {
        liveHeapBytes();
        Thread.sleep(1000); // objects behind finalizers and cleaners (ND4J buffers) go in a later collection
        return liveHeapBytes();
    }

    private static long liveHeapBytes() throws Exception {
        String histogram = (String) java.lang.management.ManagementFactory.getPlatformMBeanServer().invoke(
                new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {null}, new String[] {String[].class.getName()});
        String[] lines = histogram.strip().split("\n");
        String[] total = lines[lines.length - 1].trim().split("\\s+");
        if (!total[0].equals("Total")) {
            throw new IllegalStateException("unexpected class histogram ending: " + lines[lines.length - 1]);
        }
        return Long.parseLong(total[2]);
    }

    private static double percentile(List<Long> sorted, double q) {
        return sorted.isEmpty() ? Double.NaN : sorted.get(Math.min(sorted.size() - 1, (int) (q * sorted.size())));
    }
}
