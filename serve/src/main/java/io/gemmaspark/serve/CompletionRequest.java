package io.gemmaspark.serve;

import java.util.List;

/**
 * A validated {@code /v1/chat/completions} or {@code /v1/completions} request, its prompt already in token ids.
 *
 * @param chat         chat completion (else text completion): decides the response shapes
 * @param promptIds    BOS and the prompt's tokens
 * @param maxTokens    new tokens per choice at most, already capped by configuration and context
 * @param temperature  0 = greedy
 * @param topK         0 = off
 * @param topP         1 = off
 * @param seed         seeds choice {@code i} with {@code seed + i}
 * @param stop         stop strings (not included in the text)
 * @param n            choices
 * @param stream       answer with server-sent events
 * @param includeUsage when streaming, end with a usage chunk
 */
record CompletionRequest(boolean chat, int[] promptIds, int maxTokens, double temperature, int topK, double topP,
                         long seed, List<String> stop, int n, boolean stream, boolean includeUsage) {
}
