package io.gemmaspark.jobs.demo;

import io.gemmaspark.config.ConfigLoader;
import io.gemmaspark.jobs.prepare.ReaderConfig;
import io.gemmaspark.jobs.tokenizer.TokenizeConfig;
import io.gemmaspark.jobs.tokenizer.TokenizeJob;
import io.gemmaspark.jobs.tokenizer.TokenizerTrainJob;
import io.gemmaspark.model.tokenizer.TokenizerTrainingConfig;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/**
 * The demo's tokenizer stages: train the tokenizer on the clean documents ({@code out/tokenizer}), then tokenize and
 * pack them into token shards ({@code out/tokens}); the demo's instruction-like text joins both ({@link InstructMix}).
 */
public final class TokenizerStage {
    /** Where the stage wrote its outputs. */
    public record Outputs(String tokenizerModel, String tokens, int vocabSize) {
    }

    private TokenizerStage() {
    }

    public static Outputs run(SparkSession spark, DemoConfig demo, String cleanDocs) {
        TokenizerTrainingConfig training = ConfigLoader.load(demo.tokenizer(), TokenizerTrainingConfig.class, List.of());
        TokenizeConfig packing = ConfigLoader.load(demo.tokenize(), TokenizeConfig.class, List.of());
        TokenizerTrainJob.Summary trained = TokenizerTrainJob.run(spark, training, ReaderConfig.defaults(),
                InstructMix.tokenizerInputs(demo, cleanDocs), InstructMix.tokenizerWeights(demo),
                demo.out() + "/tokenizer", true);
        System.out.println(TokenizerTrainJob.describe(trained));
        TokenizeJob.Summary tokens = TokenizeJob.run(spark, packing, ReaderConfig.defaults(),
                InstructMix.tokenizeInputs(demo, cleanDocs), trained.modelPath(),
                demo.out() + "/tokens", true);
        System.out.println(TokenizeJob.describe(tokens));
        return new Outputs(trained.modelPath(), tokens.out(), trained.vocabSize());
    }
}
