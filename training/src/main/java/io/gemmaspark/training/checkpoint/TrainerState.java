package io.gemmaspark.training.checkpoint;

/**
 * Everything besides parameters and Adam state that an exact resume needs.
 *
 * @param step          completed steps (averaging rounds) over the whole run
 * @param stageIndex    stage the next step belongs to
 * @param stepInStage   completed steps within that stage; the data cursor is {@code stepInStage * sequencesPerStep}
 * @param dataCursor    next row of the stage plan to train on
 * @param tokensSeen    training tokens consumed so far
 * @param iteration     optimizer iterations (per-worker updates) so far: the schedule position
 * @param learningRate  learning rate of the last update
 * @param dataSeed      seed of the data order (hold-out split and stage plans)
 * @param modelSeed     seed of the weight initialisation
 * @param masterSeed    seed given to the parameter-averaging master
 * @param elapsedSeconds training wall time so far, for throughput across restarts
 */
public record TrainerState(
        long step,
        int stageIndex,
        long stepInStage,
        long dataCursor,
        long tokensSeen,
        long iteration,
        double learningRate,
        long dataSeed,
        long modelSeed,
        long masterSeed,
        double elapsedSeconds) {

    public static TrainerState start(long seed) {
        return new TrainerState(0, 0, 0, 0, 0, 0, 0, seed, seed, seed, 0);
    }
}
