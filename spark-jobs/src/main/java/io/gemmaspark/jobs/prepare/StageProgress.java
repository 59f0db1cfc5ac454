package io.gemmaspark.jobs.prepare;

import io.gemmaspark.util.Progress;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * A progress line per Spark stage of a long job (tasks done of total, throughput, ETA), so that a run over a large
 * corpus shows it is moving. Registered for the duration of one job.
 */
final class StageProgress extends SparkListener {
    private final String label;
    private Progress progress;
    private int stageId = -1;
    private long done;
    private long total;

    StageProgress(String label) {
        this.label = label;
    }

    @Override
    public synchronized void onStageSubmitted(SparkListenerStageSubmitted event) {
        stageId = event.stageInfo().stageId();
        total = event.stageInfo().numTasks();
        done = 0;
        String name = event.stageInfo().name();
        int at = name.indexOf(" at ");
        progress = new Progress(label + " stage " + stageId + " (" + (at > 0 ? name.substring(0, at) : name) + ")",
                "tasks", total);
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd event) {
        if (event.stageId() == stageId && progress != null && total > 1) {
            progress.update(++done, null);
        }
    }

    @Override
    public synchronized void onStageCompleted(SparkListenerStageCompleted event) {
        if (event.stageInfo().stageId() == stageId) {
            progress = null;
        }
    }
}
