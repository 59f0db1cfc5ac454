package io.gemmaspark.evaluation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.evaluation.lm.BatchSettings;
import io.gemmaspark.evaluation.lm.ContinuationEncoder;
import io.gemmaspark.evaluation.lm.LocalBackend;
import io.gemmaspark.evaluation.lm.LoglikelihoodResult;
import io.gemmaspark.evaluation.lm.ModelFiles;
import io.gemmaspark.evaluation.lm.TokenRequest;
import io.gemmaspark.model.TextCodec;
import io.gemmaspark.model.checkpoint.HfCheckpoint;
import io.gemmaspark.model.decoder.GemmaDecoder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** lm-eval's log-likelihood requests, checked against log-probabilities computed by hand from the decoder. */
class LoglikelihoodTest {
    @TempDir
    static Path tmp;
    static ModelFiles files;
    static TextCodec codec;
    static HandScoring hand;

    @BeforeAll
    static void tinyModel() throws Exception {
        Path dir = TinyModels.write(tmp.resolve("tiny"), TinyModels.config("ll", 64), 7, 0.5);
        files = TinyModels.files(dir);
        codec = files.codec();
        hand = new HandScoring(GemmaDecoder.fromWeights(TinyModels.config("ll", 64),
                HfCheckpoint.load(TinyModels.hadoop(dir), new Configuration()), null));
    }

    static LocalBackend backend(ModelFiles f) {
        return new LocalBackend(f, new BatchSettings(4, 1 << 20));
    }

    @Test
    void trailingSpacesMoveToTheContinuationAndTheWholeStringIsEncodedOnce() {
        TokenRequest r = new ContinuationEncoder(codec, 2).encode("Question: Is the river slow? Answer: ", "yes");
        int[] ctx = HandScoring.withBos(codec.encode("Question: Is the river slow? Answer:"));
        int[] whole = HandScoring.withBos(codec.encode("Question: Is the river slow? Answer: yes"));
        assertArrayEquals(ctx, r.context());
        assertArrayEquals(Arrays.copyOfRange(whole, ctx.length, whole.length), r.continuation());
        assertEquals(" yes", codec.decode(r.continuation()).replace('\u2581', ' '));
    }

    @Test
    void batchedScoresEqualHandComputedLogprobs() {
        ContinuationEncoder encoder = new ContinuationEncoder(codec, 2);
        List<TokenRequest> requests = List.of(
                encoder.encode("The quick brown fox", " jumps over the lazy dog."),
                encoder.encode("Bread is made from", " flour"),
                encoder.encode("A woman places a tray of dough into the oven and", " closes the door."),
                encoder.encode("", "The river ran slowly"));
        List<LoglikelihoodResult> results = backend(files).loglikelihood(requests);
        for (int i = 0; i < requests.size(); i++) {
            TokenRequest r = requests.get(i);
            double expected = hand.logprob(HandScoring.concat(r.context(), r.continuation()), r.context().length);
            assertEquals(expected, results.get(i).logprob(), 1e-4, "request " + i);
            assertEquals(r.continuation().length, results.get(i).tokens());
        }
    }

    @Test
    void isGreedyOnlyWhenEveryContinuationTokenIsTheArgmax() {
        int[] context = HandScoring.withBos(codec.encode("The old mill"));
        int[] sequence = context;
        for (int step = 0; step < 3; step++) {
            sequence = HandScoring.concat(sequence, new int[] {hand.argmaxAt(sequence, sequence.length - 1)});
        }
        int[] greedy = Arrays.copyOfRange(sequence, context.length, sequence.length);
        int[] notGreedy = greedy.clone();
        notGreedy[2] = (notGreedy[2] + 1) % TinyModels.VOCAB;
        List<LoglikelihoodResult> results = backend(files).loglikelihood(
                List.of(new TokenRequest(context, greedy), new TokenRequest(context, notGreedy)));
        assertTrue(results.get(0).greedy());
        assertFalse(results.get(1).greedy());
        assertEquals(hand.logprob(sequence, context.length), results.get(0).logprob(), 1e-4);
    }

    @Test
    void longInputsAreTruncatedFromTheLeftToTheContextLength() {
        ModelFiles eight = new ModelFiles(files.requested(), files.directory(), files.modelName(), files.parameters(),
                files.bosId(), files.eosId(), 8, files.tokenizerBytes(), files.tokenizerSource(), files.weightsSha256());
        TokenRequest r = new ContinuationEncoder(codec, 2).encode(
                "Children played on the bank in the summer, and in the winter the water", " froze");
        int[] all = HandScoring.concat(r.context(), r.continuation());
        assertTrue(all.length > 9 && r.continuation().length < 8, "the context must be cut, the continuation not");
        int[] input = Arrays.copyOfRange(all, all.length - 9, all.length - 1); // (ctx+cont)[-(L+1):][:-1]
        double expected = 0;
        int first = input.length - r.continuation().length;
        for (int i = 0; i < r.continuation().length; i++) {
            expected += hand.logprobAt(input, first + i, r.continuation()[i]);
        }
        assertEquals(expected, backend(eight).loglikelihood(List.of(r)).get(0).logprob(), 1e-4);
    }
}
