package io.gemmaspark.jobs.batch;

import com.fasterxml.jackson.databind.JsonNode;
import io.gemmaspark.jobs.GenerateCommand;
import io.gemmaspark.jobs.ModelSession;
import io.gemmaspark.model.TextCodec;
import io.gemmaspark.model.checkpoint.CheckpointStore;
import io.gemmaspark.model.checkpoint.HfCheckpoint;
import io.gemmaspark.model.checkpoint.HfConfigJson;
import io.gemmaspark.model.generation.BatchScheduler;
import io.gemmaspark.model.generation.BatchedDecoder;
import io.gemmaspark.model.generation.CollectedSequence;
import io.gemmaspark.model.generation.GenerationOptions;
import io.gemmaspark.model.generation.SequenceListener;
import io.gemmaspark.serve.ApiException;
import io.gemmaspark.serve.ChatMessages;
import io.gemmaspark.serve.ChatPrompt;
import io.gemmaspark.util.Json;
import io.gemmaspark.util.UserError;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * {@code generate-batch}: completions for every prompt of a JSONL or Parquet input, as Parquet.
 *
 * <p>The driver reads and tokenizes the input (bad rows are counted with their line) and splits it into a fixed
 * number of partitions. Each Spark task loads the model once per executor and runs its partition through the
 * continuous-batching scheduler, then writes {@code part-NNNNN.parquet}. Requests sample with seeds derived from
 * their ids and partitions do not depend on the workers, so 1 and 2 workers write the same rows; a rerun skips
 * partitions whose file exists.
 */
public final class GenerateBatchJob {
    private GenerateBatchJob() {
    }

    /** What a run did, printed and written to {@code _manifest.json} (underscore: Parquet readers skip it). */
    public record Summary(int requests, int badRows, List<String> badRowSamples, int partitions, int skipped,
                          long promptTokens, long completionTokens, Map<String, Long> finishReasons,
                          double seconds) {}

    /** One partition's work, shipped to a task (a class: Spark's Kryo cannot build records). */
    private static final class Work implements Serializable {
        final int partition;
        final ArrayList<PromptRow> rows;

        Work(int partition, ArrayList<PromptRow> rows) {
            this.partition = partition;
            this.rows = rows;
        }
    }

    public static Summary run(SparkSession spark, GenerateBatchSettings settings, String model, String input,
                              String out, boolean strict) {
        long start = System.nanoTime();
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        BatchInput read = BatchInput.read(spark, input, conf);
        List<String> bad = new ArrayList<>();
        for (BatchInput.BadRow b : read.badRows) {
            bad.add(b.location() + ": " + b.reason());
        }
        List<PromptRow> rows = tokenize(read, settings, model, conf, bad);
        if (strict && !bad.isEmpty()) {
            throw new UserError("generate-batch: " + bad.size() + " bad rows (--strict), first: " + bad.get(0));
        }
        int partitions = Math.max(1, Math.min(settings.partitions(), rows.size()));
        Path outDir = new Path(out);
        List<Work> pending = new ArrayList<>();
        int skipped = 0;
        try {
            FileSystem fs = outDir.getFileSystem(conf);
            fs.mkdirs(outDir);
            fs.delete(new Path(outDir, "_SUCCESS"), false);
            for (int p = 0; p < partitions; p++) {
                if (fs.exists(new Path(outDir, CompletionParquet.fileName(p)))) {
                    skipped++;
                    continue;
                }
                int from = (int) ((long) rows.size() * p / partitions);
                int to = (int) ((long) rows.size() * (p + 1) / partitions);
                pending.add(new Work(p, new ArrayList<>(rows.subList(from, to))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + out, e);
        }
        String outUri = outDir.toString();
        List<long[]> results = pending.isEmpty() ? List.of() : new JavaSparkContext(spark.sparkContext())
                .parallelize(pending, pending.size())
                .map(work -> runPartition(work, model, settings, outUri))
                .collect();
        long promptTokens = 0;
        long completionTokens = 0;
        Map<String, Long> finishes = new LinkedHashMap<>();
        for (long[] r : results) {
            promptTokens += r[1];
            completionTokens += r[2];
            finishes.merge("stop", r[3], Long::sum);
            finishes.merge("length", r[4], Long::sum);
        }
        Summary summary = new Summary(rows.size(), bad.size(), bad.subList(0, Math.min(20, bad.size())), partitions,
                skipped, promptTokens, completionTokens, finishes, (System.nanoTime() - start) / 1e9);
        Json.write(summary, new Path(outDir, "_manifest.json"), conf);
        Json.write(Map.of(), new Path(outDir, "_SUCCESS"), conf);
        return summary;
    }

    /** BOS + tokens of each prompt (chat messages through the chat template); too-long prompts are bad rows. */
    private static List<PromptRow> tokenize(BatchInput read, GenerateBatchSettings settings, String model,
                                            Configuration conf, List<String> bad) {
        Path dir = CheckpointStore.resolveModelDirectory(model, conf);
        HfConfigJson.ModelConfig config = HfCheckpoint.readConfig(dir, conf);
        TextCodec codec = ModelSession.codec(dir, conf).orElseThrow(() -> new UserError(
                "generate-batch: " + dir + " has no " + HfCheckpoint.TOKENIZER_MODEL + " to encode prompts with"));
        int context = config.model().maxPositionEmbeddings();
        List<PromptRow> rows = new ArrayList<>();
        for (BatchInput.Request r : read.requests) {
            JsonNode body = r.body();
            String text;
            try {
                text = body.hasNonNull("prompt") ? body.get("prompt").asText()
                        : ChatPrompt.render(ChatMessages.parse(body.get("messages")));
            } catch (ApiException e) {
                bad.add(r.location() + ": " + e.getMessage());
                continue;
            }
            int[] tokens = codec.encode(text);
            int[] ids = new int[tokens.length + 1];
            ids[0] = config.bosTokenId();
            System.arraycopy(tokens, 0, ids, 1, tokens.length);
            if (ids.length >= context) {
                bad.add(r.location() + ": the prompt has " + ids.length + " tokens, leaving no room in the "
                        + context + "-token context");
                continue;
            }
            rows.add(new PromptRow(r.id(), ids, Math.min(settings.maxTokens(), context - ids.length),
                    RequestSeeds.of(settings.seed(), r.id())));
        }
        return rows;
    }

    /** On an executor: {partition, prompt tokens, completion tokens, stops, lengths}. */
    private static long[] runPartition(Work work, String model, GenerateBatchSettings settings, String out)
            throws Exception {
        ModelSession session = ExecutorModels.get(model);
        TextCodec codec = session.requireCodec("generate-batch");
        int[] stopIds = GenerateCommand.stopIds(session);
        BatchedDecoder decoder = new BatchedDecoder(session.config.model(), session.decoder.tensors(),
                settings.packedWeightsMb() * (1L << 20));
        List<CollectedSequence> collected = new ArrayList<>();
        try (BatchScheduler scheduler = new BatchScheduler(decoder, settings.scheduler().toSchedulerSettings())) {
            List<BatchScheduler.Request> requests = new ArrayList<>();
            for (PromptRow row : work.rows) {
                CollectedSequence c = new CollectedSequence();
                requests.add(new BatchScheduler.Request(row.promptIds, new GenerationOptions(row.maxTokens,
                        settings.temperature(), settings.topK(), settings.topP(), row.seed, stopIds), c));
                collected.add(c);
            }
            // All at once: the steps then depend on the partition alone, not on submission timing.
            scheduler.submitAll(requests);
            long[] totals = {work.partition, 0, 0, 0, 0};
            List<CompletionParquet.Completion> completions = new ArrayList<>();
            for (int i = 0; i < collected.size(); i++) {
                CollectedSequence.Result r = collected.get(i).result().get();
                PromptRow row = work.rows.get(i);
                boolean stop = r.finish() == SequenceListener.Finish.STOP;
                completions.add(new CompletionParquet.Completion(row.id, codec.decode(r.tokens()),
                        row.promptIds.length, r.tokens().length, stop ? "stop" : "length"));
                totals[1] += row.promptIds.length;
                totals[2] += r.tokens().length;
                totals[stop ? 3 : 4]++;
            }
            CompletionParquet.write(new Path(out), work.partition, completions, new Configuration());
            return totals;
        }
    }
}
