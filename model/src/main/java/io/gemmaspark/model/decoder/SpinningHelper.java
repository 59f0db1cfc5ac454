package io.gemmaspark.model.decoder;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The second thread of {@link HostKernels#inChunks}: one daemon thread that, after each part, spins for
 * {@link #SPIN_NANOS} waiting for the next before it parks, as OpenBLAS's threads do. A 16-stream decode step hands
 * off some fifty parts tens of microseconds apart; waking a parked fork-join worker for each cost a tenth of the step.
 *
 * <p>The helper's part is an offer: work that both threads share (pieces claimed from one range), which the caller
 * finishes alone if the helper has not started it by then. The caller never waits for a helper that was parked or
 * descheduled and would only find nothing left. A caller that finds the helper busy (two Spark tasks in one JVM)
 * offers the part to the fork-join pool instead.
 */
final class SpinningHelper {
    /** How long the helper waits hot for the next part: longer than the gaps inside a decode step. */
    private static final long SPIN_NANOS = 100_000;
    private static final int IDLE = 0;
    private static final int OFFERED = 1;
    private static final int TAKEN = 2;
    private static final AtomicBoolean BUSY = new AtomicBoolean();
    private static final AtomicInteger STATE = new AtomicInteger(IDLE);
    private static final Thread THREAD;
    private static volatile Runnable offered;
    private static volatile boolean finished;
    private static volatile Throwable failure;

    static {
        THREAD = new Thread(SpinningHelper::serve, "gemma-host-kernels-helper");
        THREAD.setDaemon(true);
        THREAD.start();
    }

    private SpinningHelper() {}

    /**
     * Runs {@code mine} here and offers {@code shared} to the helper; returns when {@code mine} is done and
     * {@code shared} has either run to its end or will never run. {@code shared} must be safe to skip: the caller's
     * own part finishes whatever it leaves.
     */
    static void share(Runnable mine, Runnable shared) {
        if (!BUSY.compareAndSet(false, true)) {
            AtomicBoolean started = new AtomicBoolean();
            ForkJoinTask<?> other = ForkJoinPool.commonPool().submit(() -> {
                if (started.compareAndSet(false, true)) {
                    shared.run();
                }
            });
            mine.run();
            if (!started.compareAndSet(false, true)) {
                other.join();   // it started: wait for its end
            }
            return;
        }
        try {
            finished = false;
            failure = null;
            offered = shared;
            STATE.set(OFFERED);
            LockSupport.unpark(THREAD);
            mine.run();
            if (STATE.compareAndSet(OFFERED, IDLE)) {
                return;   // withdrawn before the helper took it
            }
            while (!finished) {
                Thread.onSpinWait();
            }
            STATE.set(IDLE);
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
            if (STATE.get() == OFFERED && STATE.compareAndSet(OFFERED, TAKEN)) {
                try {
                    offered.run();
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
