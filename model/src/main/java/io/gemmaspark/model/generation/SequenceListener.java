package io.gemmaspark.model.generation;

/**
 * What a submitted sequence reports, called on the scheduler's thread: implementations hand the events on (to a
 * queue) and return at once, since every running sequence waits for them.
 */
public interface SequenceListener {
    /** Why a sequence ended. */
    enum Finish {
        /** a stop id was sampled (it is not reported as a token) */
        STOP,
        /** max_new_tokens were generated */
        LENGTH,
        /** the submitter cancelled it (client gone, stop string seen, timeout) */
        CANCELLED
    }

    void onToken(int token);

    void onFinish(Finish reason, int promptTokens, int completionTokens);

    /** The step computing this sequence failed; it has been removed. */
    void onError(RuntimeException error);
}
