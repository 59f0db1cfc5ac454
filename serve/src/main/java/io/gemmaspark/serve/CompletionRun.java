package io.gemmaspark.serve;

import io.gemmaspark.model.generation.BatchScheduler;
import io.gemmaspark.model.generation.GenerationOptions;
import io.gemmaspark.model.generation.QueueFullException;
import io.gemmaspark.model.generation.SequenceListener;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The {@code n} sequences of one request in the scheduler, seen from the HTTP thread: their tokens arrive as
 * events on a queue and come out as text updates per choice, with stop strings applied here (a choice that hits
 * one is cancelled in the scheduler at once).
 */
final class CompletionRun implements AutoCloseable {
    /** New text of choice {@code index}; {@code finishReason} is set ("stop", "length") on its last update. */
    record Update(int index, String text, String finishReason) {}

    private sealed interface Event permits TokenEvent, FinishEvent, ErrorEvent {}

    private record TokenEvent(int index, int token) implements Event {}

    private record FinishEvent(int index, SequenceListener.Finish finish) implements Event {}

    private record ErrorEvent(int index, RuntimeException error) implements Event {}

    private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final BatchScheduler.Handle[] handles;
    private final TextStream[] texts;
    private final boolean[] done;
    private final int promptTokens;
    private int open;

    CompletionRun(BatchScheduler scheduler, ServedModel model, CompletionRequest request) {
        int n = request.n();
        this.handles = new BatchScheduler.Handle[n];
        this.texts = new TextStream[n];
        this.done = new boolean[n];
        this.promptTokens = request.promptIds().length;
        List<BatchScheduler.Request> choices = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            texts[i] = new TextStream(model.codec(), request.stop());
            GenerationOptions options = new GenerationOptions(request.maxTokens(), request.temperature(),
                    request.topK(), request.topP(), request.seed() + i, model.stopIds());
            choices.add(new BatchScheduler.Request(request.promptIds(), options, listener(i)));
        }
        // All choices or none: a full queue refuses the whole request, never leaves part of it running.
        try {
            scheduler.submitAll(choices).toArray(handles);
        } catch (QueueFullException e) {
            throw new ApiException(429, "rate_limit_exceeded", null, "rate_limit_exceeded", e.getMessage());
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("max_tokens", e.getMessage());
        }
        open = n;
    }

    private SequenceListener listener(int index) {
        return new SequenceListener() {
            @Override
            public void onToken(int token) {
                events.add(new TokenEvent(index, token));
            }

            @Override
            public void onFinish(Finish reason, int prompt, int completion) {
                events.add(new FinishEvent(index, reason));
            }

            @Override
            public void onError(RuntimeException error) {
                events.add(new ErrorEvent(index, error));
            }
        };
    }

    /**
     * The next update, or null once every choice has finished.
     *
     * @throws ApiException 504 when the deadline passes first (every choice is cancelled then)
     */
    Update next(long deadlineNanos) throws InterruptedException {
        while (open > 0) {
            long wait = deadlineNanos - System.nanoTime();
            Event event = wait > 0 ? events.poll(wait, TimeUnit.NANOSECONDS) : null;
            if (event == null) {
                close();
                throw new ApiException(504, "timeout", null, "request_timeout",
                        "the request did not finish within the server's timeout");
            }
            Update update = apply(event);
            if (update != null) {
                return update;
            }
        }
        return null;
    }

    private Update apply(Event event) {
        if (event instanceof TokenEvent t) {
            if (done[t.index()]) {
                return null;
            }
            TextStream text = texts[t.index()];
            String piece = text.add(t.token());
            if (text.stopped()) {
                handles[t.index()].cancel();
                return end(t.index(), piece, "stop");
            }
            return piece.isEmpty() ? null : new Update(t.index(), piece, null);
        }
        if (event instanceof FinishEvent f) {
            if (done[f.index()]) {
                return null;
            }
            String reason = f.finish() == SequenceListener.Finish.LENGTH ? "length" : "stop";
            return end(f.index(), texts[f.index()].finish(), reason);
        }
        ErrorEvent e = (ErrorEvent) event;
        close();
        throw new ApiException(500, "server_error", null, null, "generation failed: " + e.error().getMessage());
    }

    private Update end(int index, String piece, String reason) {
        done[index] = true;
        open--;
        return new Update(index, piece, reason);
    }

    int promptTokens() {
        return promptTokens;
    }

    /** Tokens generated over all choices (up to the one completing a stop string). */
    int completionTokens() {
        int total = 0;
        for (TextStream t : texts) {
            total += t.tokenCount();
        }
        return total;
    }

    /** Cancels every choice; safe from any thread (the connection's close listener). */
    void cancelFromAnyThread() {
        for (BatchScheduler.Handle handle : handles) {
            if (handle != null) {
                handle.cancel();
            }
        }
    }

    /** Cancels whatever is still running: the scheduler frees those sequences before its next step. */
    @Override
    public void close() {
        for (int i = 0; i < handles.length; i++) {
            if (handles[i] != null && !done[i]) {
                handles[i].cancel();
                done[i] = true;
            }
        }
        open = 0;
    }
}
