package io.gemmaspark.jobs;

import io.gemmaspark.config.ConfigLoader;
import io.gemmaspark.jobs.prepare.ReaderConfig;
import io.gemmaspark.jobs.tokenizer.TokenizeConfig;
import io.gemmaspark.jobs.tokenizer.TokenizeJob;
import io.gemmaspark.util.UserError;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bin/gemma tokenize}: clean documents to packed token shards. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Tokenize documents and pack them into fixed-length token shards (Parquet: tokens, "
                + "stage, source), per stage, shuffled with a seed; writes a manifest with token counts. Reads any "
                + "input prepare reads, with conf/prepare/default.yaml's reader section (--set reader.KEY=VALUE).")
public final class TokenizeCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--input", required = true, split = ",", paramLabel = "PATH",
            description = "prepare's kept/ shards, or JSONL, text or Parquet files, directories or globs on any "
                    + "Hadoop file system (repeatable).")
    List<String> inputs = new ArrayList<>();

    @Option(names = "--tokenizer", required = true, paramLabel = "FILE",
            description = "tokenizer.model (or tokenizer.json) to encode with.")
    String tokenizer;

    @Option(names = "--overwrite", description = "Replace an existing output directory.")
    boolean overwrite;

    @Override
    public Integer call() {
        ReaderConfig reading = ReaderConfig.from(common.overrides);
        TokenizeConfig config = ConfigLoader.load(common.confOr("tokenize/default"), TokenizeConfig.class,
                reading.otherOverrides());
        if (common.out == null) {
            throw new UserError("tokenize: --out DIR is required");
        }
        try (SparkSession spark = SparkSupport.session("tokenize", common)) {
            System.out.println(TokenizeJob.describe(
                    TokenizeJob.run(spark, config, reading.reader(), inputs, tokenizer, common.out, overwrite)));
        }
        return 0;
    }
}
