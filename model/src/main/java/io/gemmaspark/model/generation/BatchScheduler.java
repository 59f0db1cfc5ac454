package io.gemmaspark.model.generation;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Continuous batching: one thread runs decoder steps over the running sequences, and sequences join and leave
 * between steps, each with its own length, sampling settings and stop condition.
 *
 * <p>Each step spends at most {@code maxStepTokens}: running sequences first, oldest first (one token each when
 * decoding, a chunk when prefilling), then waiting requests are admitted with prefill chunks while budget and
 * running slots remain. KV memory is a fixed pool of blocks; when a running sequence cannot grow, the newest
 * running sequence is preempted: its cache is dropped and it goes back to the front of the queue, to be
 * recomputed from its prompt and the tokens it already produced (never failed).
 */
public final class BatchScheduler implements AutoCloseable {
    private final BatchedDecoder decoder;
    private final SchedulerSettings settings;
    private final KvBlockPool pool;
    private final LinkedBlockingQueue<Sequence> incoming = new LinkedBlockingQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final Deque<Sequence> waiting = new ArrayDeque<>();
    private final List<Sequence> running = new ArrayList<>();
    private final AtomicLong preemptions = new AtomicLong();
    private final AtomicLong steps = new AtomicLong();
    private final AtomicLong cancelled = new AtomicLong();
    private final AtomicLong arrivals = new AtomicLong();
    private final Thread loop;
    private volatile boolean closed;
    private volatile int runningCount;

    public BatchScheduler(BatchedDecoder decoder, SchedulerSettings settings) {
        this.decoder = decoder;
        this.settings = settings;
        this.pool = new KvBlockPool(settings.blockSize(), settings.kvCacheTokens() / settings.blockSize());
        this.loop = new Thread(this::run, "gemma-scheduler");
        loop.setDaemon(true);
        loop.start();
    }

    /** A submitted sequence, to cancel it. */
    public interface Handle {
        /** Stops the sequence before its next step and frees its cache; the listener gets CANCELLED. */
        void cancel();
    }

    /** Counters for health checks, benchmarks and tests. */
    public record Stats(int running, int waiting, int freeKvBlocks, int totalKvBlocks, long preemptions, long steps,
                        long cancelled) {}

    public Stats stats() {
        return new Stats(runningCount, queued.get(), pool.freeBlocks(), pool.totalBlocks(), preemptions.get(),
                steps.get(), cancelled.get());
    }

    public SchedulerSettings settings() {
        return settings;
    }

    /** Positions a whole sequence may occupy (its prompt plus its new tokens). */
    public int maxSequencePositions() {
        return Math.min(decoder.config().maxPositionEmbeddings(), pool.totalBlocks() * pool.blockSize());
    }

    /**
     * Queues a prompt.
     *
     * @throws QueueFullException       when {@code maxWaiting} requests are already waiting
     * @throws IllegalArgumentException when prompt plus new tokens exceed the context or the whole KV pool
     */
    public Handle submit(int[] prompt, GenerationOptions options, SequenceListener listener) {
        return submitAll(List.of(new Request(prompt, options, listener))).get(0);
    }

    /** A prompt to queue with {@link #submitAll}. */
    public record Request(int[] prompt, GenerationOptions options, SequenceListener listener) {}

    /**
     * Queues several prompts at once, in order: the scheduler admits none of them before it can see all of them,
     * so the steps, and with them the results, depend only on the list and the settings, not on how fast the
     * caller submits (offline generation relies on this to give the same rows on any number of workers). All are
     * checked before any is queued.
     *
     * @throws QueueFullException       when the requests would exceed {@code maxWaiting}
     * @throws IllegalArgumentException when a prompt is empty, has an id outside the vocabulary, or with its new
     *                                  tokens exceeds the context or the whole KV pool
     */
    public List<Handle> submitAll(List<Request> requests) {
        for (Request r : requests) {
            validate(r.prompt(), r.options());
        }
        if (closed) {
            throw new IllegalStateException("the scheduler is closed");
        }
        List<Handle> handles = new ArrayList<>(requests.size());
        List<Sequence> queue = new ArrayList<>(requests.size());
        for (Request r : requests) {
            if (r.options().maxNewTokens() == 0) {
                r.listener().onFinish(SequenceListener.Finish.LENGTH, r.prompt().length, 0);
                handles.add(() -> { });
                continue;
            }
            Sequence sequence = new Sequence(arrivals.incrementAndGet(), r.prompt(), r.options(), r.listener(),
                    new SequenceCache(decoder.config(), decoder.dtype(), pool,
                            r.prompt().length + r.options().maxNewTokens()));
            queue.add(sequence);
            handles.add(sequence);
        }
        if (queued.addAndGet(queue.size()) > settings.maxWaiting()) {
            queued.addAndGet(-queue.size());
            throw new QueueFullException(settings.maxWaiting());
        }
        synchronized (incoming) {
            incoming.addAll(queue);
        }
        return handles;
    }

    private void validate(int[] prompt, GenerationOptions options) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt is empty (it needs at least <bos>)");
        }
        for (int id : prompt) {
            if (id < 0 || id >= decoder.config().vocabSize()) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary");
            }
        }
        int positions = prompt.length + options.maxNewTokens();
        if (positions > maxSequencePositions()) {
            throw new IllegalArgumentException("the prompt (" + prompt.length + " tokens) plus " + options.maxNewTokens()
                    + " new tokens exceed the " + maxSequencePositions() + " positions a sequence may use");
        }
    }

    @Override
    public void close() {
        closed = true;
        loop.interrupt();
        try {
            loop.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        while (!closed) {
            try {
                if (running.isEmpty() && waiting.isEmpty()) {
                    Sequence next = incoming.poll(200, TimeUnit.MILLISECONDS);
                    if (next == null) {
                        continue;
                    }
                    waiting.addLast(next);
                }
                synchronized (incoming) {   // a submitAll in progress is taken whole
                    incoming.drainTo(waiting);
                }
                dropCancelled();
                step();
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                failAll(e);   // a bug must not leave every client waiting for its timeout
            }
        }
        List<Sequence> left = new ArrayList<>(running);
        left.addAll(waiting);
        incoming.drainTo(left);
        for (Sequence s : left) {
            s.cache.release();
            s.listener.onError(new IllegalStateException("the server is shutting down"));
        }
    }

    private void failAll(RuntimeException e) {
        List<Sequence> all = new ArrayList<>(running);
        all.addAll(waiting);
        running.clear();
        waiting.clear();
        for (Sequence s : all) {
            if (!s.admitted) {
                queued.decrementAndGet();
            }
            s.cache.release();
            s.listener.onError(e);
        }
        runningCount = 0;
    }

    private void dropCancelled() {
        for (Sequence s : new ArrayList<>(running)) {
            if (s.cancelled) {
                cancelled.incrementAndGet();
                finish(s, SequenceListener.Finish.CANCELLED);
            }
        }
        waiting.removeIf(s -> {
            if (s.cancelled) {
                cancelled.incrementAndGet();
                if (!s.admitted) {
                    queued.decrementAndGet();
                }
                s.cache.release();
                s.listener.onFinish(SequenceListener.Finish.CANCELLED, s.prompt.length, s.generated.size());
                return true;
            }
            return false;
        });
        runningCount = running.size();
    }

    private void step() {
        int budget = settings.maxStepTokens();
        List<BatchedDecoder.Slice> slices = new ArrayList<>();
        List<Sequence> scheduled = new ArrayList<>();
        for (int i = 0; i < running.size() && budget > 0; i++) {
            Sequence s = running.get(i);
            int n = Math.min(s.pending(), budget);
            boolean preemptedItself = false;
            while (!s.cache.reserve(n)) {
                Sequence victim = running.get(running.size() - 1);
                preempt(victim);
                if (victim == s) {
                    preemptedItself = true;
                    break;
                }
            }
            if (preemptedItself) {
                break;
            }
            slices.add(s.slice(n));
            scheduled.add(s);
            budget -= n;
        }
        while (budget > 0 && running.size() < settings.maxRunning() && !waiting.isEmpty()) {
            Sequence s = waiting.peekFirst();
            int n = Math.min(s.pending(), budget);
            if (!s.cache.reserve(n)) {
                break;
            }
            waiting.removeFirst();
            if (!s.admitted) {
                s.admitted = true;
                queued.decrementAndGet();
            }
            running.add(s);
            slices.add(s.slice(n));
            scheduled.add(s);
            budget -= n;
        }
        runningCount = running.size();
        if (slices.isEmpty()) {
            return;
        }
        float[][] logits;
        try {
            logits = decoder.step(slices);
        } catch (RuntimeException e) {
            for (Sequence s : scheduled) {
                running.remove(s);
                s.cache.release();
                s.listener.onError(e);
            }
            runningCount = running.size();
            return;
        }
        steps.incrementAndGet();
        int row = 0;
        for (int i = 0; i < scheduled.size(); i++) {
            if (slices.get(i).wantLogits()) {
                accept(scheduled.get(i), logits[row++]);
            }
        }
        runningCount = running.size();
    }

    /** Samples the sequence's next token and reports it, or ends the sequence. */
    private void accept(Sequence s, float[] logits) {
        int token = s.sampler.next(logits);
        if (s.options.isStop(token)) {
            finish(s, SequenceListener.Finish.STOP);
            return;
        }
        s.generated.add(token);
        try {
            s.listener.onToken(token);
        } catch (RuntimeException e) {
            s.cancelled = true;
        }
        if (s.generated.size() >= s.options.maxNewTokens()) {
            finish(s, SequenceListener.Finish.LENGTH);
        }
    }

    private void finish(Sequence s, SequenceListener.Finish reason) {
        running.remove(s);
        s.cache.release();
        runningCount = running.size();
        s.listener.onFinish(reason, s.prompt.length, s.generated.size());
    }

    private void preempt(Sequence s) {
        running.remove(s);
        s.cache.release();
        waiting.addFirst(s);
        preemptions.incrementAndGet();
    }

    /** A request's state on the scheduler thread (only {@link #cancelled} is touched by other threads). */
    private static final class Sequence implements Handle {
        final long arrival;
        final int[] prompt;
        final GenerationOptions options;
        final SequenceListener listener;
        final SequenceCache cache;
        final Sampler sampler;
        final IntList generated = new IntList();
        volatile boolean cancelled;
        boolean admitted;

        Sequence(long arrival, int[] prompt, GenerationOptions options, SequenceListener listener,
                 SequenceCache cache) {
            this.arrival = arrival;
            this.prompt = prompt.clone();
            this.options = options;
            this.listener = listener;
            this.cache = cache;
            this.sampler = new Sampler(options);
        }

        @Override
        public void cancel() {
            cancelled = true;
        }

        /** Tokens not yet in the cache: the prompt and generated tokens (all of them again after a preemption). */
        int pending() {
            return prompt.length + generated.size() - cache.length();
        }

        BatchedDecoder.Slice slice(int n) {
            int from = cache.length();
            int[] tokens = new int[n];
            for (int j = 0; j < n; j++) {
                int position = from + j;
                tokens[j] = position < prompt.length ? prompt[position] : generated.get(position - prompt.length);
            }
            return new BatchedDecoder.Slice(cache, tokens, from + n == prompt.length + generated.size());
        }
    }

    /** A growable list of ints without boxing. */
    private static final class IntList {
        private int[] values = new int[16];
        private int size;

        void add(int v) {
            if (size == values.length) {
                values = java.util.Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        int get(int i) {
            return values[i];
        }

        int size() {
            return size;
        }
    }
}
