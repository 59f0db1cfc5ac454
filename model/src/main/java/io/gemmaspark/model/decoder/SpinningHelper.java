package io.gemmaspark.model.decoder;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The second thread of {@link HostKernels#inChunks}: one daemon thread that, after each part, spins for
 * {@link #SPIN_NANOS} waiting for the next before it parks, as OpenBLAS's threads do. A 16-stream decode step hands
 * off some fifty parts tens of microseconds apart; waking a parked fork-join worker for each cost a tenth of the step.
 * A caller that finds the helper busy (two Spark tasks in one JVM) falls back to the fork-join pool.
 */
final class SpinningHelper {
    /** How long the helper waits hot for the next part: longer than the gaps inside a decode step. */
    private static final long SPIN_NANOS = 100_000;
    private static final AtomicBoolean BUSY = new AtomicBoolean();
    private static final Thread THREAD;
    private static volatile Runnable task;
    private static volatile boolean finished;
    private static volatile Throwable failure;

    static {
        THREAD = new Thread(SpinningHelper::serve, "gemma-host-kernels-helper");
        THREAD.setDaemon(true);
        THREAD.start();
    }

    private SpinningHelper() {}

    /** Runs {@code second} on the helper (or the pool) and {@code first} here, and returns when both are done. */
    static void runBoth(Runnable first, Runnable second) {
        if (!BUSY.compareAndSet(false, true)) {
            ForkJoinTask<?> other = ForkJoinPool.commonPool().submit(second);
            first.run();
            other.join();
            return;
        }
        try {
            finished = false;
            failure = null;
            task = second;
            LockSupport.unpark(THREAD);
            first.run();
            while (!finished) {
                Thread.onSpinWait();
            }
            if (failure != null) {
                throw new IllegalStateException("the helper thread's part failed", failure);
            }
        } finally {
            BUSY.set(false);
        }
    }

    private static void serve() {
        long idleSince = System.nanoTime();
        while (true) {
            Runnable next = task;
            if (next != null) {
                task = null;
                try {
                    next.run();
                } catch (Throwable t) {
                    failure = t;
                }
                finished = true;
                idleSince = System.nanoTime();
            } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                LockSupport.park();
                idleSince = System.nanoTime();
            }
        }
    }
}
