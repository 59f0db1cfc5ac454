package io.gemmaspark.model.generation;

import static io.gemmaspark.model.decoder.DecoderTestSupport.randomDecoder;
import static io.gemmaspark.model.decoder.DecoderTestSupport.randomIds;
import static io.gemmaspark.model.decoder.DecoderTestSupport.tinyConfig;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.model.GemmaConfig;
import io.gemmaspark.model.decoder.GemmaDecoder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class BatchSchedulerTest {

    // FLOAT: caches on the heap, attention in host loops; DOUBLE: ND4J caches and batched products (the CUDA path).
    @ParameterizedTest(name = "heads {0}, kv heads {1}, packed weights {2}, {3}")
    @CsvSource({"4,1,true,FLOAT", "4,2,true,FLOAT", "4,4,true,FLOAT", "4,1,false,FLOAT", "4,2,false,DOUBLE"})
    void mixedPrefillChunksAndDecodeStepsGiveEachSequencesFullPassLogits(int heads, int kvHeads, boolean packed,
            DataType dtype) {
        GemmaConfig config = tinyConfig(heads, kvHeads, 2);
        GemmaDecoder decoder = randomDecoder(config, dtype, 0.5, 41);
        BatchedDecoder batched = new BatchedDecoder(config, decoder.tensors(), packed ? 1L << 30 : 0);
        assertEquals(packed, batched.packedWeights());
        assertEquals(dtype, batched.dtype());
        Random random = new Random(43);
        int[][] sequences = {randomIds(random, 1, 9, config.vocabSize())[0],
            randomIds(random, 1, 7, config.vocabSize())[0], randomIds(random, 1, 4, config.vocabSize())[0]};
        KvBlockPool pool = new KvBlockPool(2, 64);
        SequenceCache[] caches = new SequenceCache[3];
        for (int i = 0; i < 3; i++) {
            caches[i] = new SequenceCache(config, dtype, pool, 16);
            assertEquals(dtype == DataType.FLOAT, caches[i].onHost());
        }
        // step 1: a prefill chunk of sequence 0 (no logits needed) beside sequence 1's whole prompt
        float[][] first = run(batched, caches, sequences, new int[][] {{0, 0, 3}, {1, 0, 5}});
        // step 2: the rest of 0's prompt, one decode token of 1, and 2 joining with its whole prompt
        float[][] second = run(batched, caches, sequences, new int[][] {{0, 3, 9}, {1, 5, 6}, {2, 0, 4}});
        // step 3: one decode token each
        float[][] third = run(batched, caches, sequences, new int[][] {{1, 6, 7}, {0, 8, 9}});

        double error = 0;
        error = Math.max(error, difference(first[0], decoder.logits(Arrays.copyOf(sequences[1], 5)), 4));
        error = Math.max(error, difference(second[0], decoder.logits(sequences[0]), 8));
        error = Math.max(error, difference(second[1], decoder.logits(Arrays.copyOf(sequences[1], 6)), 5));
        error = Math.max(error, difference(second[2], decoder.logits(sequences[2]), 3));
        assertEquals(1, third.length, "sequence 0 was already complete; only 1's step asked for logits");
        error = Math.max(error, difference(third[0], decoder.logits(sequences[1]), 6));
        System.out.printf("batched KV parity (H=%d KV=%d): max |logit difference| %.3e%n", heads, kvHeads, error);
        assertTrue(error < 1e-4, "max difference " + error);
        for (SequenceCache cache : caches) {
            cache.release();
        }
        assertEquals(pool.totalBlocks(), pool.freeBlocks());
    }

    /**
     * Runs one step; each part is {sequence, from, to}; logits are wanted when {@code to} reaches a prefix end.
     * Returns copies of the logits.
     */
    private static float[][] run(BatchedDecoder decoder, SequenceCache[] caches, int[][] sequences, int[][] parts) {
        List<BatchedDecoder.Slice> slices = new ArrayList<>();
        for (int[] part : parts) {
            int[] tokens = Arrays.copyOfRange(sequences[part[0]], part[1], part[2]);
            assertTrue(caches[part[0]].reserve(tokens.length));
            boolean wantLogits = !(part[0] == 0 && part[2] == 3) && !(part[0] == 0 && part[1] == 8);
            slices.add(new BatchedDecoder.Slice(caches[part[0]], tokens, wantLogits));
        }
        float[][] logits = decoder.step(slices);
        // The decoder's next step overwrites these rows.
        return Arrays.stream(logits).map(float[]::clone).toArray(float[][]::new);
    }

    private static double difference(float[] row, INDArray fullLogits, int position) {
        float[] expected = fullLogits.getRow(position).toFloatVector();
        double max = 0;
        for (int i = 0; i < row.length; i++) {
            max = Math.max(max, Math.abs(row[i] - expected[i]));
        }
        return max;
    }

    @Test
    void continuousBatchingWithChunkedPrefillAndPreemptionMatchesEachPromptAlone() throws Exception {
        GemmaConfig config = tinyConfig(4, 1, 2);
        GemmaDecoder decoder = randomDecoder(config, DataType.FLOAT, 0.5, 47);
        Random random = new Random(53);
        int prompts = 6;
        int[][] promptIds = new int[prompts][];
        for (int i = 0; i < prompts; i++) {
            promptIds[i] = randomIds(random, 1, 3 + random.nextInt(9), config.vocabSize())[0];
        }
        GenerationOptions options = new GenerationOptions(12, 0, 0, 1, 0, new int[0]);
        int[][] alone = new int[prompts][];
        for (int i = 0; i < prompts; i++) {
            alone[i] = new Generator(decoder).generate(new int[][] {promptIds[i]}, options)[0];
        }

        // 4 running, 5 tokens per step (long prompts are chunked), and KV room for only ~2.5 sequences
        BatchedDecoder batched = new BatchedDecoder(config, decoder.tensors(), 1L << 30);
        SchedulerSettings settings = new SchedulerSettings(4, 5, 100, 4, 56);
        try (BatchScheduler scheduler = new BatchScheduler(batched, settings)) {
            List<CollectedSequence> results = new ArrayList<>();
            for (int i = 0; i < prompts; i++) {
                CollectedSequence collected = new CollectedSequence();
                scheduler.submit(promptIds[i], options, collected);
                results.add(collected);
            }
            for (int i = 0; i < prompts; i++) {
                CollectedSequence.Result r = results.get(i).result().get(60, TimeUnit.SECONDS);
                assertArrayEquals(alone[i], r.tokens(), "prompt " + i);
                assertEquals(SequenceListener.Finish.LENGTH, r.finish());
            }
            BatchScheduler.Stats stats = scheduler.stats();
            System.out.println("scheduler after 6 prompts: " + stats);
            assertTrue(stats.preemptions() > 0, "the small pool should have forced a preemption: " + stats);
            assertEquals(stats.totalKvBlocks(), stats.freeKvBlocks());
        }
    }

    @Test
    void aFullQueueRefusesAndCancelledSequencesFreeTheirBlocks() throws Exception {
        GemmaConfig config = tinyConfig(4, 1, 2);
        GemmaDecoder decoder = randomDecoder(config, DataType.FLOAT, 0.5, 47);
        BatchedDecoder batched = new BatchedDecoder(config, decoder.tensors(), 1L << 30);
        try (BatchScheduler scheduler = new BatchScheduler(batched, new SchedulerSettings(1, 64, 0, 4, 64))) {
            assertThrows(QueueFullException.class,
                    () -> scheduler.submit(new int[] {2, 3}, GenerationOptions.greedy(4), new CollectedSequence()));
        }
        try (BatchScheduler scheduler = new BatchScheduler(batched, new SchedulerSettings(1, 64, 4, 4, 64))) {
            CollectedSequence collected = new CollectedSequence();
            GenerationOptions endless = new GenerationOptions(60, 0, 0, 1, 0, null);
            BatchScheduler.Handle handle = scheduler.submit(new int[] {2, 3}, endless, collected);
            handle.cancel();
            assertEquals(SequenceListener.Finish.CANCELLED, collected.result().get(30, TimeUnit.SECONDS).finish());
            BatchScheduler.Stats stats = scheduler.stats();
            assertEquals(stats.totalKvBlocks(), stats.freeKvBlocks());
            assertEquals(0, stats.waiting());
        }
    }
}
