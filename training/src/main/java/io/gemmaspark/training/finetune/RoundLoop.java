package io.gemmaspark.training.finetune;

import io.gemmaspark.training.averaging.ParameterAveraging;
import io.gemmaspark.training.checkpoint.TrainerState;
import io.gemmaspark.training.config.SparkTrainingConfig;
import io.gemmaspark.training.metrics.JsonlLog;
import io.gemmaspark.training.metrics.RoundRecord;
import io.gemmaspark.training.metrics.WorkerMetricsListener.RoundMeans;
import io.gemmaspark.util.Progress;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * The round loop of the fine-tuning trainers. Each round the trainer makes its minibatches (SFT's rows, the reward
 * model's pairs, RLOO's samples drawn on the executors), the workers train on them through parameter averaging
 * (once, or once per PPO epoch), the trainer turns the round into a metrics line, adds held-out figures when
 * validation is due, and writes a checkpoint when one is due (always after the last round). What differs between
 * the trainers is their {@link Trainer}; the loop, the metrics log, progress and the schedule position are here.
 */
public final class RoundLoop {
    /** One round's training data. */
    public interface Round {
        /**
         * The minibatches of the round's update {@code update} (0-based), asked for when that update is due: a later
         * PPO epoch weighs the samples with log-probs under the policy the earlier epochs left.
         */
        List<MultiDataSet> minibatches(int update);
    }

    /** What a fine-tuning trainer supplies to the loop. */
    public interface Trainer<R extends Round, M extends RoundRecord> {
        /** Round {@code round}'s data (0-based). */
        R round(long round);

        /** The metrics line of a trained round; {@code update} is its last update's means. */
        M metrics(long round, R data, RoundMeans update, double seconds);

        /**
         * {@code metrics} with the held-out figures of the model as it is now; asked for when {@link Plan} makes
         * validation due. A trainer whose plan has none (RLOO scores its held-out prompts after the loop) keeps this.
         */
        default M validate(M metrics) {
            throw new UnsupportedOperationException(getClass().getName() + " validates nothing in the round loop");
        }

        /** Writes a checkpoint of the model as it is now; returns its path. */
        String save(AfterRound at);
    }

    /**
     * @param unit            what a round is called in progress lines (steps, rounds)
     * @param rounds          rounds of the whole run
     * @param updatesPerRound averaging rounds per round: 1, or RLOO's PPO epochs
     * @param validateEvery   validation interval in rounds, also after the last round; 0 for none in the loop
     * @param checkpointEvery checkpoint interval in rounds, also after the last round
     */
    public record Plan(String unit, long rounds, int updatesPerRound, int validateEvery, int checkpointEvery) {
    }

    /**
     * The run's position after a round, for its checkpoint.
     *
     * @param rounds         rounds completed
     * @param iteration      optimiser iterations so far (per-worker updates): the schedule position
     * @param learningRate   learning rate of the last update
     * @param elapsedSeconds training wall time so far, across restarts
     */
    public record AfterRound(long rounds, long iteration, double learningRate, double elapsedSeconds) {
        /** The decoder checkpoint's trainer state: one stage, one seed for data, model and master. */
        public TrainerState trainerState(long dataCursor, long tokensSeen, long seed) {
            return new TrainerState(rounds, 0, rounds, dataCursor, tokensSeen, iteration, learningRate, seed, seed,
                    seed, elapsedSeconds);
        }
    }

    /** What the loop leaves: the newest checkpoint and every metrics line of the run (resumed ones first). */
    public record Finished<M>(String checkpoint, List<M> history) {
        public M last() {
            return history.get(history.size() - 1);
        }
    }

    private final FineTuneJob job;
    private final ResumePoint from;
    private final Plan plan;
    private final ParameterAveraging averaging;
    private final int workers;
    private final int averagingFrequency;

    /**
     * Restores {@code graph} from {@code from} and sets up parameter averaging over it, so that the workers start
     * from the restored model.
     */
    public RoundLoop(FineTuneJob job, ComputationGraph graph, SparkTrainingConfig spark, long seed, ResumePoint from,
            Plan plan) {
        this.job = job;
        this.from = from;
        this.plan = plan;
        from.restoreInto(graph);
        this.averaging = new ParameterAveraging(job.spark(), graph, spark, seed, job.exportDir(), false);
        this.workers = spark.workers();
        this.averagingFrequency = spark.averagingFrequency();
    }

    /** The averaging that trains the driver's model: it also scores held-out minibatches on the executors. */
    public ParameterAveraging averaging() {
        return averaging;
    }

    /**
     * Runs the rounds from the resume point to the end of the plan, appending to {@code metrics.jsonl} (truncated to
     * the resume point first).
     *
     * @param lineType the metrics line's class, to read back the lines a resume keeps
     */
    public <R extends Round, M extends RoundRecord> Finished<M> run(Trainer<R, M> trainer, Class<M> lineType) {
        Progress progress = new Progress(job.name(), plan.unit(), plan.rounds());
        double elapsed = from.elapsedSeconds();
        String checkpoint = null;
        try (JsonlLog<M> metrics = JsonlLog.open(job.metricsFile(), job.hadoop(), from.round(), lineType,
                RoundRecord::round)) {
            for (long round = from.round(); round < plan.rounds(); round++) {
                long started = System.nanoTime();
                R data = trainer.round(round);
                RoundMeans update = null;
                for (int u = 0; u < plan.updatesPerRound(); u++) {
                    update = averaging.fitRound(round * plan.updatesPerRound() + u,
                            job.spark().parallelize(data.minibatches(u), workers));
                }
                double seconds = (System.nanoTime() - started) / 1e9;
                elapsed += seconds;
                boolean last = round + 1 == plan.rounds();
                M line = trainer.metrics(round, data, update, seconds);
                if (plan.validateEvery() > 0 && due(round, plan.validateEvery(), last)) {
                    line = trainer.validate(line);
                }
                metrics.append(line);
                progress.update(round + 1, line.describe());
                if (due(round, plan.checkpointEvery(), last)) {
                    checkpoint = trainer.save(new AfterRound(round + 1,
                            (round + 1) * plan.updatesPerRound() * averagingFrequency, update.learningRate(), elapsed));
                }
            }
            return new Finished<>(checkpoint, List.copyOf(metrics.history()));
        }
    }

    private static boolean due(long round, int every, boolean last) {
        return last || (round + 1) % every == 0;
    }
}
