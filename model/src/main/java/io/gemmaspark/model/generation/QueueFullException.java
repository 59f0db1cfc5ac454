package io.gemmaspark.model.generation;

/** The scheduler's waiting queue is full; the request was not taken (HTTP 429). */
public final class QueueFullException extends RuntimeException {
    public QueueFullException(int maxWaiting) {
        super("the server is busy: " + maxWaiting + " requests are already waiting; retry later");
    }
}
