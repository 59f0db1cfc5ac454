package io.gemmaspark.model.generation;

import static io.gemmaspark.model.decoder.DecoderTestSupport.randomDecoder;
import static io.gemmaspark.model.decoder.DecoderTestSupport.randomIds;
import static io.gemmaspark.model.decoder.DecoderTestSupport.tinyConfig;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.model.GemmaConfig;
import io.gemmaspark.model.decoder.GemmaDecoder;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class GeneratorTest {

    @ParameterizedTest(name = "heads {0}, kv heads {1}")
    @CsvSource({"4,1", "4,2", "4,4"})
    void cachedLogitsEqualFullSequenceLogitsAtEveryStep(int heads, int kvHeads) {
        GemmaConfig config = tinyConfig(heads, kvHeads, 2);
        GemmaDecoder decoder = randomDecoder(config, DataType.FLOAT, 0.5, 41);
        int[] sequence = randomIds(new Random(43), 1, 14, config.vocabSize())[0];
        INDArray full = decoder.logits(sequence);

        Generator.Session session = new Generator(decoder).start(new int[][] {Arrays.copyOf(sequence, 4)}, 10);
        double maxError = maxDifference(session.logits().getRow(0), full.getRow(3));
        for (int t = 4; t < sequence.length; t++) {
            session.append(new int[] {sequence[t]});
            maxError = Math.max(maxError, maxDifference(session.logits().getRow(0), full.getRow(t)));
        }
        System.out.printf("KV cache parity (H=%d KV=%d, float32): max |logit difference| %.3e%n", heads, kvHeads,
                maxError);
        assertTrue(maxError < 1e-4, "max difference " + maxError);
    }

    @Test
    void batchedLeftPaddedPromptsMatchEachPromptAlone() {
        GemmaConfig config = tinyConfig(4, 2, 2);
        GemmaDecoder decoder = randomDecoder(config, DataType.FLOAT, 0.5, 47);
        Generator generator = new Generator(decoder);
        Random random = new Random(53);
        int[][] prompts = {randomIds(random, 1, 5, 19)[0], randomIds(random, 1, 9, 19)[0],
            randomIds(random, 1, 2, 19)[0]};
        int[][] continuation = randomIds(random, 3, 6, 19);

        Generator.Session batched = generator.start(prompts, 6);
        Generator.Session[] alone = new Generator.Session[3];
        for (int b = 0; b < 3; b++) {
            alone[b] = generator.start(new int[][] {prompts[b]}, 6);
        }
        double maxError = 0;
        for (int step = 0; step <= 6; step++) {
            for (int b = 0; b < 3; b++) {
                maxError = Math.max(maxError, maxDifference(batched.logits().getRow(b), alone[b].logits().getRow(0)));
                // Against the plain full-sequence forward of the unpadded sequence as well.
                int[] sequence = concat(prompts[b], Arrays.copyOf(continuation[b], step));
                maxError = Math.max(maxError, maxDifference(batched.logits().getRow(b),
                        decoder.logits(sequence).getRow(sequence.length - 1)));
            }
            if (step < 6) {
                int[] next = {continuation[0][step], continuation[1][step], continuation[2][step]};
                batched.append(next);
                for (int b = 0; b < 3; b++) {
                    alone[b].append(new int[] {next[b]});
                }
            }
        }
        System.out.printf("batched vs unbatched (left padding): max |logit difference| %.3e%n", maxError);
        assertTrue(maxError < 1e-4, "max difference " + maxError);

        GenerationOptions greedy = new GenerationOptions(8, 0, 0, 1, 0, new int[0]);
        int[][] together = generator.generate(prompts, greedy);
        for (int b = 0; b < 3; b++) {
            assertArrayEquals(generator.generate(new int[][] {prompts[b]}, greedy)[0], together[b]);
            assertEquals(8, together[b].length);
        }
        GenerationOptions sampled = new GenerationOptions(8, 0.9, 10, 0.95, 7, new int[0]);
        int[][] sampledTogether = generator.generate(prompts, sampled);
        for (int b = 0; b < 3; b++) {
            assertArrayEquals(generator.generate(new int[][] {prompts[b]}, sampled)[0], sampledTogether[b]);
        }
    }

    @Test
    void samplingHonoursSeedTopKTopPAndStopTokens() {
        GemmaConfig config = tinyConfig(4, 1, 1);
        GemmaDecoder decoder = randomDecoder(config, DataType.FLOAT, 0.5, 59);
        Generator generator = new Generator(decoder);
        int[][] prompt = {{2, 7, 3}};
        int[] greedy = generator.generate(prompt, new GenerationOptions(12, 0, 0, 1, 0, null))[0];
        assertArrayEquals(greedy, generator.generate(prompt, new GenerationOptions(12, 1.5, 1, 1, 3, null))[0],
                "top-k 1 is greedy");
        assertArrayEquals(greedy, generator.generate(prompt, new GenerationOptions(12, 1.0, 0, 1e-6, 3, null))[0],
                "a tiny nucleus is greedy");

        GenerationOptions hot = new GenerationOptions(12, 2.0, 0, 1, 11, null);
        int[] first = generator.generate(prompt, hot)[0];
        assertArrayEquals(first, generator.generate(prompt, hot)[0], "same seed, same tokens");
        int[] other = generator.generate(prompt, new GenerationOptions(12, 2.0, 0, 1, 12, null))[0];
        assertNotEquals(Arrays.toString(first), Arrays.toString(other), "another seed, other tokens");

        // Top-k 3 only ever picks one of the 3 most likely tokens.
        Generator.Session session = generator.start(prompt, 1);
        float[] logits = session.logits().getRow(0).toFloatVector();
        int[] order = java.util.stream.IntStream.range(0, logits.length).boxed()
                .sorted((a, b) -> Float.compare(logits[b], logits[a])).mapToInt(Integer::intValue).toArray();
        for (long seed = 0; seed < 30; seed++) {
            int token = generator.generate(prompt, new GenerationOptions(1, 5.0, 3, 1, seed, null))[0][0];
            assertTrue(token == order[0] || token == order[1] || token == order[2], "token " + token);
        }

        // Stopping on a token: the greedy continuation's 4th token, as if it were <end_of_turn>.
        int stop = greedy[3];
        int firstStop = 0;
        while (greedy[firstStop] != stop) {
            firstStop++;
        }
        int[] stopped = generator.generate(prompt, new GenerationOptions(12, 0, 0, 1, 0, new int[] {1, stop}))[0];
        assertArrayEquals(Arrays.copyOf(greedy, firstStop), stopped);
    }

    @Test
    void badPromptsAreRejected() {
        GemmaDecoder decoder = randomDecoder(tinyConfig(4, 1, 1), DataType.FLOAT, 0.1, 1);
        Generator generator = new Generator(decoder);
        assertThrows(IllegalArgumentException.class, () -> generator.generate(new int[][] {{}},
                GenerationOptions.greedy(3)));
        assertThrows(IllegalArgumentException.class, () -> generator.generate(new int[][] {{1, 500}},
                GenerationOptions.greedy(3)));
        assertThrows(IllegalArgumentException.class, () -> generator.generate(new int[][] {{1, 2}},
                GenerationOptions.greedy(1000)));
    }

    private static double maxDifference(INDArray a, INDArray b) {
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
