package io.gemmaspark.training.rlhf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class RlooAdvantagesTest {
    @Test
    void klIsFoldedIntoTheRewardAndTheBaselineLeavesEachSampleOut() {
        double[] rewards = {1.0, 0.0, 2.0, -1.0, 0.5, 0.5};
        double[] kl = {2.0, 0.0, 4.0, 0.0, 10.0, 0.0};
        boolean[] ended = {true, true, false, true, true, true};
        // beta 0.05, missing-EOS penalty 1: 1 - 0.1 = 0.9; 0; 2 - 0.2 - 1 = 0.8; -1; 0.5 - 0.5 = 0; 0.5
        double[] shaped = RlooAdvantages.shaped(rewards, kl, ended, 0.05, 1.0);
        assertArrayEquals(new double[] {0.9, 0.0, 0.8, -1.0, 0.0, 0.5}, shaped, 1e-12);
        // k = 3: group {0.9, 0, 0.8}: 0.9 - 0.4 = 0.5, 0 - 0.85 = -0.85, 0.8 - 0.45 = 0.35;
        //        group {-1, 0, 0.5}:  -1 - 0.25 = -1.25, 0 - (-0.25) = 0.25, 0.5 - (-0.5) = 1.0
        assertArrayEquals(new double[] {0.5, -0.85, 0.35, -1.25, 0.25, 1.0}, RlooAdvantages.leaveOneOut(shaped, 3),
                1e-12);
    }
}
