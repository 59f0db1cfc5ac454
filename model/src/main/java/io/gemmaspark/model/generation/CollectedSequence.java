package io.gemmaspark.model.generation;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A listener that gathers a sequence's tokens for callers that want the whole result (batch jobs, benchmarks). */
public final class CollectedSequence implements SequenceListener {
    /** The finished sequence: new tokens (stop id excluded), why it ended, and the prompt's length. */
    public record Result(int[] tokens, Finish finish, int promptTokens) {}

    private final List<Integer> tokens = new ArrayList<>();
    private final CompletableFuture<Result> result = new CompletableFuture<>();

    public CompletableFuture<Result> result() {
        return result;
    }

    @Override
    public void onToken(int token) {
        tokens.add(token);
    }

    @Override
    public void onFinish(Finish reason, int promptTokens, int completionTokens) {
        result.complete(new Result(tokens.stream().mapToInt(Integer::intValue).toArray(), reason, promptTokens));
    }

    @Override
    public void onError(RuntimeException error) {
        result.completeExceptionally(error);
    }
}
