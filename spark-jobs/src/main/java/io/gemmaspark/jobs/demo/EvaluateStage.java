package io.gemmaspark.jobs.demo;

import io.gemmaspark.jobs.CommonOptions;
import io.gemmaspark.jobs.EvaluateCommand;
import io.gemmaspark.model.checkpoint.CheckpointStore;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * The demo's last stage: {@code evaluate} on every checkpoint pretraining kept (oldest first, so the report's
 * plots show the model improving), on the shipped task samples, into {@code <out>/evaluation}.
 */
public final class EvaluateStage {
    private EvaluateStage() {
    }

    public static int run(DemoConfig demo, CommonOptions common) {
        String store = demo.out() + "/pretrain/checkpoints";
        List<String> checkpoints = new CheckpointStore(store, Integer.MAX_VALUE, new Configuration()).completeCheckpoints()
                .stream().map(Path::toString).toList();
        if (checkpoints.isEmpty()) {
            System.out.println("demo: evaluate skipped: no checkpoints under " + store);
            return 0;
        }
        CommonOptions options = new CommonOptions();
        options.master = common.master;
        options.out = demo.out() + "/evaluation";
        options.verbose = common.verbose;
        int status = EvaluateCommand.forDemo(checkpoints, demo.evaluateTasks(), options);
        System.out.println("demo: evaluation report at " + options.out + "/report.html");
        return status;
    }
}
