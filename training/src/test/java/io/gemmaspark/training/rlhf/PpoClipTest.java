package io.gemmaspark.training.rlhf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PpoClipTest {
    private static final double EPS = 0.2;

    @Test
    void weightsByHand() {
        // ratio 1.1 inside [0.8, 1.2]: the unclipped term, A·ρ
        assertEquals(2 * 1.1, PpoClip.weight(2, Math.log(1.1), 0, EPS), 1e-12);
        // A > 0 and ρ = 1.5 > 1.2: the objective is held at 1.2·A, no gradient
        assertEquals(0, PpoClip.weight(2, Math.log(1.5), 0, EPS), 0);
        // A > 0 and ρ = 0.5: min picks ρ·A (the clipped term 0.8·A is larger), so the gradient flows
        assertEquals(2 * 0.5, PpoClip.weight(2, Math.log(0.5), 0, EPS), 1e-12);
        // A < 0 and ρ = 0.7 < 0.8: held at 0.8·A
        assertEquals(0, PpoClip.weight(-1, Math.log(0.7), 0, EPS), 0);
        // A < 0 and ρ = 1.5: min picks ρ·A
        assertEquals(-1.5, PpoClip.weight(-1, Math.log(1.5), 0, EPS), 1e-12);
        // the first pass over a batch: ρ = 1, the weight is the advantage (plain RLOO)
        assertEquals(-0.37, PpoClip.weight(-0.37, -2.5, -2.5, EPS), 0);
        // a wider ε lets ρ = 1.5 through
        assertEquals(3.0, PpoClip.weight(2, Math.log(1.5), 0, 0.6), 1e-12);
    }

    /** The weight is d/d(log π) of min(ρ·A, clip(ρ, 1−ε, 1+ε)·A), written out and differentiated numerically. */
    @Test
    void weightIsTheSurrogatesDerivativeInLogProb() {
        double oldLogProb = -1.3;
        for (double advantage : new double[] {-2.0, -0.4, 0.3, 1.7}) {
            for (double ratio : new double[] {0.5, 0.75, 0.9, 1.0, 1.1, 1.25, 1.6}) {
                double logProb = oldLogProb + Math.log(ratio);
                double h = 1e-6;
                double numeric = (surrogate(advantage, logProb + h, oldLogProb)
                        - surrogate(advantage, logProb - h, oldLogProb)) / (2 * h);
                assertEquals(numeric, PpoClip.weight(advantage, logProb, oldLogProb, EPS), 1e-6,
                        "A " + advantage + ", ratio " + ratio);
            }
        }
    }

    private static double surrogate(double advantage, double logProb, double oldLogProb) {
        double ratio = Math.exp(logProb - oldLogProb);
        double clipped = Math.max(1 - EPS, Math.min(1 + EPS, ratio));
        return Math.min(ratio * advantage, clipped * advantage);
    }
}
