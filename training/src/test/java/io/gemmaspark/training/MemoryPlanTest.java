package io.gemmaspark.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.model.GemmaConfig;
import io.gemmaspark.training.config.PretrainConfig;
import io.gemmaspark.util.UserError;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryPlanTest {
    private static final double GIB = 1L << 30;

    @Test
    void gemma2bPlanIsComputedFromTheShapeAndRefusedWhenItCannotFit() {
        PretrainConfig config = PretrainConfig.load("pretrain/gemma-2b", List.of());
        GemmaConfig shape = config.modelShape();
        MemoryPlan plan = MemoryPlan.of(shape, config.seqLen(), config.spark().batchSizePerWorker(),
                MemoryPlan.parseSize("80g"), "one 80 GB GPU");
        System.out.println(plan.describe());
        assertEquals(2_506_172_416L, plan.parameters());
        assertEquals(plan.parameters() * 4, plan.parameterBytes());
        assertEquals(2 * plan.parameterBytes(), plan.adamBytes(), "Adam keeps m and v");
        assertEquals(65.3, (plan.parameterBytes() + plan.gradientBytes() + plan.adamBytes() + plan.averagingCopyBytes())
                / GIB, 0.1);
        // Activations: (layers + 1) x per-token block activations + logits and their gradient, T=2048, batch 1.
        long perToken = 19L * (4 * 2048 + 3 * 2048 + 3 * 256 + 8 * 2048 + 4 * 16384) + 2L * 256_000;
        assertEquals(perToken * 2048 * 4, plan.activationBytes());
        assertFalse(plan.fits());
        UserError refused = assertThrows(UserError.class, plan::requireFits);
        assertTrue(refused.getMessage().contains("memory: a worker needs 83."), refused.getMessage());

        MemoryPlan onBigExecutors = MemoryPlan.of(shape, config.seqLen(), 1, MemoryPlan.parseSize(
                config.memory().workerMemory()), "memory.worker_memory");
        assertTrue(onBigExecutors.fits(), onBigExecutors.describe());
        assertTrue(MemoryPlan.of(shape, config.seqLen(), 4, onBigExecutors.budgetBytes(), "x").activationBytes()
                == 4 * onBigExecutors.activationBytes(), "activations scale with the batch");
    }

    @Test
    void sizesParseLikeSpark() {
        assertEquals(512L << 20, MemoryPlan.parseSize("512m"));
        assertEquals(16L << 30, MemoryPlan.parseSize("16g"));
        assertEquals(3L << 29, MemoryPlan.parseSize("1.5GB"));
        assertThrows(UserError.class, () -> MemoryPlan.parseSize("lots"));
    }
}
