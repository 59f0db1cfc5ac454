package io.gemmaspark.model.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SpinningHelperTest {

    @Test
    void theSharedPartRunsOnTheHelperAndIsDoneOnReturn() {
        AtomicReference<Thread> helper = new AtomicReference<>();
        long[] sums = new long[2];
        // The caller's part waits (boundedly) for the helper's to start, so that the offer is taken.
        SpinningHelper.share(() -> {
            awaitNonNull(helper);
            sums[0] = sum(0, 1000);
        }, () -> {
            helper.set(Thread.currentThread());
            sums[1] = sum(1000, 2000);
        });
        assertEquals(sum(0, 2000), sums[0] + sums[1]);
        assertNotEquals(Thread.currentThread(), helper.get());
    }

    @Test
    void aFailureOfTheSharedPartReachesTheCallerAndTheHelperServesOn() {
        AtomicReference<Thread> helper = new AtomicReference<>();
        assertThrows(IllegalStateException.class, () -> SpinningHelper.share(() -> awaitNonNull(helper), () -> {
            helper.set(Thread.currentThread());
            throw new ArithmeticException("part failed");
        }));
        AtomicReference<Thread> after = new AtomicReference<>();
        SpinningHelper.share(() -> awaitNonNull(after), () -> after.set(Thread.currentThread()));
        assertNotEquals(Thread.currentThread(), after.get());
    }

    @Test
    void aSharedPartTheHelperHasNotStartedIsWithdrawnAndNeverRunsLater() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        int withdrawn = 0;
        for (int i = 0; i < 2_000; i++) {
            int before = runs.get();
            SpinningHelper.share(() -> { }, runs::incrementAndGet);
            int seen = runs.get();
            withdrawn += seen == before ? 1 : 0;
            assertTrue(seen - before <= 1);
        }
        int settled = runs.get();
        Thread.sleep(50);
        assertEquals(settled, runs.get(), "a withdrawn part ran after share returned");
        assertEquals(2_000, settled + withdrawn);
    }

    @Test
    void concurrentCallersEachGetTheirWholeResult() throws Exception {
        // Two Spark tasks in one JVM call at once: one gets the helper, the others the fork-join pool.
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                int length = 1_000 + 37 * c;
                results.add(callers.submit(() -> {
                    for (int i = 0; i < 2_000; i++) {
                        AtomicLong total = new AtomicLong();
                        HostKernels.inChunks(length, 1, true, (from, to) -> total.addAndGet(sum(from, to)));
                        if (total.get() != sum(0, length)) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> result : results) {
                assertEquals(true, result.get(60, TimeUnit.SECONDS));
            }
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void inChunksCoversEveryIndexOnceInPiecesThatStartOnMultiplesOfTheChunk() {
        for (int n : new int[] {1, 3, 4, 5, 31, 32, 33, 640, 1000, 32_000}) {
            for (int chunk : new int[] {1, 4, 32}) {
                int[] visits = new int[n];
                List<int[]> pieces = Collections.synchronizedList(new ArrayList<>());
                HostKernels.inChunks(n, chunk, true, (from, to) -> {
                    pieces.add(new int[] {from, to});
                    for (int i = from; i < to; i++) {
                        visits[i]++;
                    }
                });
                for (int i = 0; i < n; i++) {
                    assertEquals(1, visits[i], "n " + n + ", chunk " + chunk + ": index " + i);
                }
                for (int[] piece : pieces) {
                    assertEquals(0, piece[0] % chunk, "n " + n + ", chunk " + chunk + ": piece from " + piece[0]);
                    assertEquals(true, piece[1] == n || piece[1] % chunk == 0, "piece to " + piece[1]);
                }
                // A quarter of what is left per claim: few pieces, however large n is.
                assertEquals(true, pieces.size() <= 4 * (1 + 32 - Integer.numberOfLeadingZeros(n / chunk + 1)) + 8,
                        "n " + n + ", chunk " + chunk + ": " + pieces.size() + " pieces");
            }
        }
    }

    /** Spins until {@code ref} is set, for at most ten seconds. */
    private static void awaitNonNull(AtomicReference<?> ref) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (ref.get() == null && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
    }

    private static long sum(long from, long to) {
        long s = 0;
        for (long i = from; i < to; i++) {
            s += i;
        }
        return s;
    }
}
