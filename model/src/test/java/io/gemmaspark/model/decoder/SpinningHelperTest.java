package io.gemmaspark.model.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
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

    private static long sum(long from, long to) {
        long s = 0;
        for (long i = from; i < to; i++) {
            s += i;
        }
        return s;
    }
}
