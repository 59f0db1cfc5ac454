package io.gemmaspark.jobs.tokenizer;

import io.gemmaspark.jobs.prepare.PrepareSettings;
import io.gemmaspark.jobs.prepare.ReaderConfig;
import io.gemmaspark.jobs.prepare.ReasonCounter;
import io.gemmaspark.model.tokenizer.BpeTrainer;
import io.gemmaspark.model.tokenizer.Normalization;
import io.gemmaspark.model.tokenizer.Tokenizer;
import io.gemmaspark.model.tokenizer.TokenizerFiles;
import io.gemmaspark.model.tokenizer.TokenizerTrainingConfig;
import io.gemmaspark.model.tokenizer.TrainingText;
import io.gemmaspark.model.tokenizer.proto.SentencePieceModel.ModelProto;
import io.gemmaspark.util.AtomicOutput;
import io.gemmaspark.util.Json;
import io.gemmaspark.util.UserError;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import scala.Tuple2;

/**
 * Trains a SentencePiece-compatible BPE tokenizer: executors read the documents ({@link TextInputs}), cut them
 * into lines and pre-tokens and count these (map-side combined, then {@code reduceByKey}), and prune rare words
 * ({@link WordPruning}); the driver runs the merges on the surviving words and writes {@code tokenizer.model},
 * {@code tokenizer.vocab} and {@code manifest.json} atomically.
 */
public final class TokenizerTrainJob {
    public static final String MODEL_FILE = "tokenizer.model";
    public static final String VOCAB_FILE = "tokenizer.vocab";

    /** What a run produced, for the summary, the manifest, the demo and the bench. */
    public record Summary(String out, int vocabSize, int merges, int alphabetSize, double characterCoverage,
                          long linesUsed, long linesEmpty, long linesTooLong, long linesWithReservedChar,
                          long distinctWords, long characters, double countSeconds, double mergeSeconds,
                          double corpusBytesPerToken, boolean vocabularyExhausted, Map<String, Long> recordsSkipped,
                          long wordsPruned, long occurrencesPruned, long wordOccurrences) {
        public String modelPath() {
            return out + "/" + MODEL_FILE;
        }
    }

    private TokenizerTrainJob() {
    }

    /** @param reader how inputs are read: prepare's reader settings ({@link ReaderConfig}) */
    public static Summary run(SparkSession spark, TokenizerTrainingConfig config, PrepareSettings.Reader reader,
                              List<String> inputs, String out, boolean overwrite) {
        return run(spark, config, reader, inputs, Map.of(), out, overwrite);
    }

    /**
     * @param reader  how inputs are read: prepare's reader settings ({@link ReaderConfig})
     * @param weights inputs whose words count this many times each (upsampling a small domain so that its words
     *                earn pieces, as tokenizer corpora upsample code or rare languages); the others count once
     */
    public static Summary run(SparkSession spark, TokenizerTrainingConfig config, PrepareSettings.Reader reader,
                              List<String> inputs, Map<String, Integer> weights, String out, boolean overwrite) {
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        try (AtomicOutput output = AtomicOutput.begin(out, hadoop, overwrite)) {
            long start = System.nanoTime();
            ReasonCounter skipped = new ReasonCounter();
            spark.sparkContext().register(skipped, "records skipped");
            double sampleFraction = 1.0;
            if (config.sampleSize() > 0) {
                // A pass of its own, so that each skipped record is counted once, in the pass that trains.
                ReasonCounter countingPass = new ReasonCounter();
                spark.sparkContext().register(countingPass, "records skipped (sampling count)");
                long total = TextInputs.lines(spark, inputs, reader, countingPass).count();
                sampleFraction = Math.min(1.0, (double) config.sampleSize() / total);
            }
            LongAccumulator used = spark.sparkContext().longAccumulator("lines used");
            LongAccumulator empty = spark.sparkContext().longAccumulator("lines empty");
            LongAccumulator tooLong = spark.sparkContext().longAccumulator("lines too long");
            LongAccumulator reserved = spark.sparkContext().longAccumulator("lines with U+2585");
            JavaPairRDD<String, Long> weighted = null;
            for (Map.Entry<Integer, List<String>> group : byWeight(inputs, weights).entrySet()) {
                JavaRDD<String> lines = TextInputs.lines(spark, group.getValue(), reader, skipped);
                if (sampleFraction < 1.0) {
                    lines = lines.sample(false, sampleFraction, config.seed());
                }
                long weight = group.getKey();
                JavaPairRDD<String, Long> groupCounts = lines
                        .mapPartitionsToPair(partition -> countWords(config, partition, used, empty, tooLong, reserved))
                        .mapValues(count -> count * weight);
                weighted = weighted == null ? groupCounts : weighted.union(groupCounts);
            }
            JavaPairRDD<String, Long> counts = weighted
                    .reduceByKey(Long::sum)
                    .persist(StorageLevel.MEMORY_AND_DISK_SER());
            WordPruning.Result pruning = WordPruning.prune(counts, config.minWordCount(), config.maxWords());
            counts.unpersist(false);
            Map<String, Long> words = pruning.kept();
            if (words.isEmpty()) {
                throw new UserError(String.join(", ", inputs) + ": no training text (" + empty.value()
                        + " empty lines, " + tooLong.value() + " lines longer than max_sentence_length "
                        + config.maxSentenceLength() + " bytes, " + pruning.prunedWords() + " words pruned by "
                        + "min_word_count/max_words, records skipped: " + skipped.value() + ")");
            }
            double countSeconds = (System.nanoTime() - start) / 1e9;

            long mergeStart = System.nanoTime();
            BpeTrainer.Result result = new BpeTrainer(config).train(words);
            double mergeSeconds = (System.nanoTime() - mergeStart) / 1e9;

            double bytesPerToken = corpusCompression(result.tokenizer(), words);
            ModelProto proto = result.proto();
            TokenizerFiles.writeBytes(proto.toByteArray(), new Path(output.tempPath(), MODEL_FILE), hadoop);
            TokenizerFiles.writeBytes(vocabText(proto).getBytes(StandardCharsets.UTF_8),
                    new Path(output.tempPath(), VOCAB_FILE), hadoop);
            Summary summary = new Summary(output.finalPath().toString(), proto.getPiecesCount(), result.merges(),
                    result.alphabetSize(), result.coverage(), used.value(), empty.value(), tooLong.value(),
                    reserved.value(), words.size(), result.characters(), countSeconds, mergeSeconds, bytesPerToken,
                    result.vocabularyExhausted(), skipped.value(), pruning.prunedWords(), pruning.prunedOccurrences(),
                    pruning.occurrences());
            Map<String, Object> manifest = new LinkedHashMap<>();
            manifest.put("config", config);
            manifest.put("reader", reader);
            manifest.put("inputs", inputs);
            manifest.put("input_weights", weights);
            manifest.put("summary", summary);
            manifest.put("files", List.of(MODEL_FILE, VOCAB_FILE));
            Json.write(manifest, new Path(output.tempPath(), "manifest.json"), hadoop);
            output.commit();
            return summary;
        }
    }

    /** Inputs grouped by the weight of their words, in input order within a group. */
    private static Map<Integer, List<String>> byWeight(List<String> inputs, Map<String, Integer> weights) {
        Map<Integer, List<String>> groups = new TreeMap<>();
        for (String input : inputs) {
            int weight = weights.getOrDefault(input, 1);
            if (weight < 1) {
                throw new UserError("tokenizer input weight of " + input + " must be >= 1, got " + weight);
            }
            groups.computeIfAbsent(weight, w -> new ArrayList<>()).add(input);
        }
        return groups;
    }

    private static Iterator<Tuple2<String, Long>> countWords(TokenizerTrainingConfig config, Iterator<String> lines,
            LongAccumulator used, LongAccumulator empty, LongAccumulator tooLong, LongAccumulator reserved) {
        TrainingText text = new TrainingText(config);
        Map<String, long[]> counts = new HashMap<>();
        long[] status = new long[TrainingText.LineStatus.values().length];
        while (lines.hasNext()) {
            TrainingText.LineStatus s = text.words(lines.next(), w -> counts.computeIfAbsent(w, k -> new long[1])[0]++);
            status[s.ordinal()]++;
        }
        used.add(status[TrainingText.LineStatus.USED.ordinal()]);
        empty.add(status[TrainingText.LineStatus.EMPTY.ordinal()]);
        tooLong.add(status[TrainingText.LineStatus.TOO_LONG.ordinal()]);
        reserved.add(status[TrainingText.LineStatus.RESERVED_CHARACTER.ordinal()]);
        List<Tuple2<String, Long>> out = new ArrayList<>(counts.size());
        counts.forEach((w, c) -> out.add(new Tuple2<>(w, c[0])));
        return out.iterator();
    }

    /**
     * UTF-8 bytes per token over the whole training corpus, from the word counts: a line's ids are its words' ids
     * end to end (no piece spans a word boundary), so no second pass over the corpus is needed.
     */
    private static double corpusCompression(Tokenizer tokenizer, Map<String, Long> words) {
        long bytes = 0;
        long tokens = 0;
        for (Map.Entry<String, Long> e : words.entrySet()) {
            String text = e.getKey().replace(Normalization.SPACE_SYMBOL, ' ');
            bytes += e.getValue() * text.getBytes(StandardCharsets.UTF_8).length;
            tokens += e.getValue() * tokenizer.encode(text).length;
        }
        return tokens == 0 ? 0 : (double) bytes / tokens;
    }

    /** spm_train's {@code .vocab}: one piece and its score per line, in id order. */
    static String vocabText(ModelProto proto) {
        StringBuilder sb = new StringBuilder();
        for (ModelProto.SentencePiece piece : proto.getPiecesList()) {
            sb.append(piece.getPiece()).append('\t').append(formatScore(piece.getScore())).append('\n');
        }
        return sb.toString();
    }

    private static String formatScore(float score) {
        return score == Math.rint(score) ? String.valueOf((long) score) : String.format(Locale.ROOT, "%g", score);
    }

    public static String describe(Summary s) {
        return String.format(Locale.ROOT, """
                tokenizer-train: %s
                  vocabulary     %,d pieces: %,d merges + %,d characters + special/byte pieces%s
                  corpus         %,d lines used (%,d empty, %,d too long, %,d with U+2585 skipped), %,d characters
                  words          %,d distinct trained on; pruned on the executors: %,d distinct words, %,d of %,d occurrences
                  records        %s
                  coverage       %.4f%% of characters in the alphabet
                  compression    %.3f bytes/token on the training corpus
                  time           count %.1f s (Spark), merges %.1f s (driver)""",
                s.modelPath(), s.vocabSize(), s.merges(), s.alphabetSize(),
                s.vocabularyExhausted() ? " (the corpus ran out of pairs before vocab_size)" : "",
                s.linesUsed(), s.linesEmpty(), s.linesTooLong(), s.linesWithReservedChar(), s.characters(),
                s.distinctWords(), s.wordsPruned(), s.occurrencesPruned(), s.wordOccurrences(),
                s.recordsSkipped().isEmpty() ? "none skipped" : "skipped " + s.recordsSkipped(),
                100 * s.characterCoverage(), s.corpusBytesPerToken(), s.countSeconds(),
                s.mergeSeconds());
    }
}
