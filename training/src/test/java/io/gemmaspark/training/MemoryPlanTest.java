package io.gemmaspark.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.model.GemmaConfig;
import io.gemmaspark.model.decoder.GemmaDecoder;
import io.gemmaspark.model.decoder.GemmaDecoderLayer;
import io.gemmaspark.training.config.PretrainConfig;
import io.gemmaspark.util.UserError;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

class MemoryPlanTest {
    private static final double GIB = 1L << 30;

    @Test
    void gemma2bFitsOneEightyGigabyteGpuOnlyWithActivationRecompute() {
        PretrainConfig config = PretrainConfig.load("pretrain/gemma-2b", List.of());
        GemmaConfig shape = config.modelShape();
        long gpu = MemoryPlan.parseSize("80g");
        MemoryPlan stored = MemoryPlan.of(shape, config.seqLen(), config.spark().batchSizePerWorker(), false, gpu,
                "one 80 GB GPU");
        MemoryPlan recomputed = MemoryPlan.of(shape, config.seqLen(), config.spark().batchSizePerWorker(), true,
                gpu, "one 80 GB GPU");
        System.out.println(stored.describe());
        System.out.println(recomputed.describe());
        assertEquals(2_506_172_416L, stored.parameters());
        assertEquals(2 * stored.parameterBytes(), stored.adamBytes(), "Adam keeps m and v");

        assertFalse(stored.fits());
        UserError refused = assertThrows(UserError.class, stored::requireFits);
        assertTrue(refused.getMessage().contains("memory: a worker needs " + MemoryPlan.bytes(stored.totalBytes())),
                refused.getMessage());
        assertTrue(recomputed.fits(), recomputed.describe());
        assertTrue(gpu - recomputed.totalBytes() > 5 * GIB, "at least 5 GiB to spare: " + recomputed.describe());
        assertEquals(stored.totalBytes() - stored.activationBytes(),
                recomputed.totalBytes() - recomputed.activationBytes(), "recompute changes activations only");

        // The shipped recipe plans for one 80 GB GPU with recompute on.
        assertTrue(config.memory().activationRecompute());
        MemoryPlan shipped = MemoryPlan.of(shape, config.seqLen(), config.spark().batchSizePerWorker(),
                config.memory().activationRecompute(), MemoryPlan.parseSize(config.memory().workerMemory()),
                "memory.worker_memory");
        assertTrue(shipped.fits(), shipped.describe());
    }

    /**
     * The plan against what one training step of the {@code small} preset really allocates: the parameter,
     * gradient and Adam state vectors, plus every ND4J workspace of the training thread at its learned size
     * (activations, backward temporaries and logits live there). The averaging copy only exists on Spark workers.
     */
    @ParameterizedTest(name = "activation recompute {0}")
    @ValueSource(booleans = {false, true})
    void planMatchesMeasuredAllocationsOfTheSmallPreset(boolean recompute) {
        GemmaConfig shape = GemmaConfig.preset("small");
        int batch = 2;
        int time = 128;
        Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
        ComputationGraph graph = new ComputationGraph(new NeuralNetConfiguration.Builder()
                .seed(1).dataType(DataType.FLOAT).updater(new Adam(1e-4))
                .trainingWorkspaceMode(WorkspaceMode.ENABLED).inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .graphBuilder()
                .addInputs(GemmaDecoder.INPUT)
                .addLayer(GemmaDecoder.LAYER, new GemmaDecoderLayer(shape).activationRecompute(recompute),
                        GemmaDecoder.INPUT)
                .setOutputs(GemmaDecoder.LAYER)
                .build());
        graph.init();
        Random random = new Random(5);
        int[][] rows = new int[batch][time + 1];
        for (int[] row : rows) {
            for (int t = 0; t < row.length; t++) {
                row[t] = random.nextInt(shape.vocabSize());
            }
        }
        MultiDataSet data = GemmaDecoder.nextTokenBatch(rows, null);
        // Workspaces learn their size in the first step and are allocated at it from the second.
        graph.fit(data);
        graph.fit(data);

        long state = 4L * (graph.params().length() + graph.getFlattenedGradients().length()
                + graph.getUpdater().getStateViewArray().length());
        long workspaces = 0;
        StringBuilder detail = new StringBuilder();
        for (MemoryWorkspace ws : Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread()) {
            workspaces += ws.getCurrentSize();
            detail.append(String.format(Locale.ROOT, "  %-32s %s%n", ws.getId(), MemoryPlan.bytes(ws.getCurrentSize())));
        }
        MemoryPlan plan = MemoryPlan.of(shape, time, batch, recompute, Long.MAX_VALUE, "test");
        long planned = plan.totalBytes() - plan.averagingCopyBytes();
        long measured = state + workspaces;
        System.out.printf(Locale.ROOT, "small, batch %d x %d, recompute %s: measured %s (state %s, workspaces %s) vs "
                        + "plan %s (activations %s): %+.1f%% (activations %+.1f%%)%n%s", batch, time, recompute,
                MemoryPlan.bytes(measured), MemoryPlan.bytes(state), MemoryPlan.bytes(workspaces),
                MemoryPlan.bytes(planned), MemoryPlan.bytes(plan.activationBytes()),
                100.0 * (measured - planned) / planned,
                100.0 * (workspaces - plan.activationBytes()) / plan.activationBytes(), detail);
        assertEquals(plan.parameterBytes() + plan.gradientBytes() + plan.adamBytes(), state);
        assertEquals(planned, measured, 0.15 * planned, "plan within 15% of the measured allocations");
        assertEquals(plan.activationBytes(), workspaces, 0.15 * plan.activationBytes(),
                "planned activations within 15% of the measured workspaces");
    }

    @Test
    void sizesParseLikeSpark() {
        assertEquals(512L << 20, MemoryPlan.parseSize("512m"));
        assertEquals(16L << 30, MemoryPlan.parseSize("16g"));
        assertEquals(3L << 29, MemoryPlan.parseSize("1.5GB"));
        assertThrows(UserError.class, () -> MemoryPlan.parseSize("lots"));
    }
}
