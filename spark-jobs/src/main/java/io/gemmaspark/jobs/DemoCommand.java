package io.gemmaspark.jobs;

import io.gemmaspark.config.ConfigLoader;
import io.gemmaspark.jobs.demo.DemoConfig;
import io.gemmaspark.jobs.demo.EvaluateStage;
import io.gemmaspark.jobs.demo.InstructStage;
import io.gemmaspark.jobs.demo.PrepareStage;
import io.gemmaspark.jobs.demo.PretrainStage;
import io.gemmaspark.jobs.demo.TokenizerStage;
import io.gemmaspark.model.GemmaConfig;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Runs the whole pipeline on the embedded default: the bundled sample corpus, Spark local mode, tiny model. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the whole pipeline end to end on the bundled sample corpus (conf/pipeline/demo.yaml), "
                + "then SFT, "
                + "reward model and RLHF on the shipped instruction sets (data/instruct/).")
public final class DemoCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Override
    public Integer call() {
        DemoConfig demo = ConfigLoader.load(common.confOr("pipeline/demo"), DemoConfig.class, common.overrides);
        if (common.out != null) {
            demo = demo.withOut(common.out); // --out wins over the configuration's out, as for every command
        }
        if (common.master == null) {
            common.master = demo.master();
        }
        GemmaConfig model = ConfigLoader.load(demo.model(), GemmaConfig.class, List.of());
        System.out.printf("demo: model %s (%,d parameters), inputs %s, output %s%n",
                model.name(), model.parameterCount(), demo.inputs(), demo.out());
        int status = new InfoCommand().withOptions(common).call();
        if (status != 0) {
            return status;
        }
        String prepared = PrepareStage.run(demo, common);
        try (SparkSession spark = SparkSupport.session("demo", common)) {
            TokenizerStage.run(spark, demo, prepared + "/kept");
        }
        status = PretrainStage.run(demo, common);
        if (status != 0) {
            return status;
        }
        status = EvaluateStage.run(demo, common);
        if (status != 0) {
            return status;
        }
        status = InstructStage.run(demo, common);
        if (status != 0) {
            return status;
        }
        return 0;
    }
}
