package io.gemmaspark.model.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SpinningHelperTest {

    @Test
    void theSecondPartRunsOnAnotherThreadAndBothAreDoneOnReturn() {
        AtomicReference<Thread> second = new AtomicReference<>();
        long[] sums = new long[2];
        SpinningHelper.runBoth(() -> sums[0] = sum(0, 1000), () -> {
            second.set(Thread.currentThread());
            sums[1] = sum(1000, 2000);
        });
        assertEquals(sum(0, 2000), sums[0] + sums[1]);
        assertNotEquals(Thread.currentThread(), second.get());
    }

    @Test
    void aFailureOfTheSecondPartReachesTheCallerAndTheHelperServesOn() {
        assertThrows(IllegalStateException.class, () -> SpinningHelper.runBoth(() -> { }, () -> {
            throw new ArithmeticException("part failed");
        }));
        long[] after = new long[1];
        SpinningHelper.runBoth(() -> { }, () -> after[0] = 7);
        assertEquals(7, after[0]);
    }

    @Test
    void concurrentCallersEachGetTheirOwnBothParts() throws Exception {
        // Two Spark tasks in one JVM call at once: one gets the helper, the other the fork-join pool.
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                int offset = c * 10_000;
                results.add(callers.submit(() -> {
                    for (int i = 0; i < 2_000; i++) {
                        long[] parts = new long[2];
                        int middle = offset + i;
                        int end = offset + 2 * i;
                        SpinningHelper.runBoth(() -> parts[0] = sum(offset, middle), () -> parts[1] = sum(middle, end));
                        if (parts[0] + parts[1] != sum(offset, end)) {
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

    private static long sum(long from, long to) {
        long s = 0;
        for (long i = from; i < to; i++) {
            s += i;
        }
        return s;
    }
}
