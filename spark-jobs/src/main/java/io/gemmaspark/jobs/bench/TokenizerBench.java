package io.gemmaspark.jobs.bench;

import io.gemmaspark.jobs.CommonOptions;
import io.gemmaspark.jobs.SparkSupport;
import io.gemmaspark.jobs.prepare.PrepareSettings;
import io.gemmaspark.jobs.prepare.ReaderConfig;
import io.gemmaspark.jobs.tokenizer.TokenizerTrainJob;
import io.gemmaspark.model.tokenizer.BpeTrainer;
import io.gemmaspark.model.tokenizer.Tokenizer;
import io.gemmaspark.model.tokenizer.TokenizerFiles;
import io.gemmaspark.model.tokenizer.TokenizerTrainingConfig;
import io.gemmaspark.model.tokenizer.TrainingText;
import io.gemmaspark.util.Json;
import io.gemmaspark.util.UserError;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Option;

/**
 * {@code bin/gemma bench tokenizer}: this project's tokenizer beside Debian's sentencepiece on the same files in
 * the same run: training time and held-out compression at the same vocabulary size (spm_train with Gemma's flags
 * against {@code tokenizer-train}), and encoding speed on the same model and text (spm_encode against
 * {@link Tokenizer}, single-threaded and batched), with a check that both produce the same number of tokens.
 */
public final class TokenizerBench {
    /** Options of {@code bench tokenizer}. */
    public static final class Options {
        @Option(names = "--corpus", paramLabel = "FILE",
                description = "Training text, one sentence per line (default: the interop tests' 1.1 MB of Python docs).")
        Path corpus;

        @Option(names = "--held-out", paramLabel = "FILE",
                description = "Text for the compression figure (default: the interop tests' licence texts).")
        Path heldOut;

        @Option(names = "--vocab-size", paramLabel = "N", description = "Vocabulary size of both trainers (default 8000).")
        int vocabSize = 8000;

        @Option(names = "--encode-repeat", paramLabel = "N",
                description = "Copies of corpus + held-out text in the encoding-speed file (default 4).")
        int encodeRepeat = 4;
    }

    private TokenizerBench() {
    }

    public static int run(CommonOptions common, Options options) throws Exception {
        Path home = Path.of(System.getenv().getOrDefault("GEMMA_HOME", "."));
        Path corpusDir = home.resolve("tokenizer/src/test/resources/tokenizer/corpus");
        Path corpus = options.corpus != null ? options.corpus : corpusDir.resolve("python-docs.txt");
        Path heldOut = options.heldOut != null ? options.heldOut : corpusDir.resolve("licenses.txt");
        for (Path p : List.of(corpus, heldOut)) {
            if (!Files.isRegularFile(p)) {
                throw new UserError(p + ": no such file (give --corpus and --held-out)");
            }
        }
        if (!onPath("spm_train") || !onPath("spm_encode")) {
            throw new UserError("bench tokenizer compares with Debian's sentencepiece: apt-get install sentencepiece");
        }
        Path work = Files.createTempDirectory(Files.createDirectories(SparkSupport.workDir().toAbsolutePath()),
                "bench-tokenizer-");
        int vocab = options.vocabSize;
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("corpus", corpus.toString());
        report.put("corpus_bytes", Files.size(corpus));
        report.put("held_out", heldOut.toString());
        report.put("vocab_size", vocab);

        // training
        Path spmPrefix = work.resolve("spm");
        List<String> spmTrain = new ArrayList<>(List.of("spm_train", "--input=" + corpus, "--model_prefix=" + spmPrefix,
                "--vocab_size=" + vocab, "--minloglevel=1", "--num_threads=" + Runtime.getRuntime().availableProcessors()));
        spmTrain.addAll(GEMMA_SPM_FLAGS);
        double spmTrainSeconds = time(spmTrain, null, work.resolve("spm_train.log"));
        Path spmModel = Path.of(spmPrefix + ".model");

        TokenizerTrainingConfig config = TokenizerTrainingConfig.gemma(vocab);
        // spm_train reads the corpus file whole, line by line; ours reads a text file as one document (prepare's
        // rule) and cuts it into the same lines, so the record limit must admit the whole file.
        PrepareSettings.Reader reader = ReaderConfig.from(List.of("reader.max_record_bytes="
                + Math.max(ReaderConfig.defaults().maxRecordBytes(), Math.min(1L << 30, Files.size(corpus))))).reader();
        // twice in one session: the first run also pays the JVM's and Spark's warm-up, the second is steady state
        List<Double> ourTrainSeconds = new ArrayList<>();
        double sessionSeconds;
        TokenizerTrainJob.Summary trained = null;
        long sessionStart = System.nanoTime();
        try (SparkSession spark = SparkSupport.session("bench tokenizer", common)) {
            sessionSeconds = (System.nanoTime() - sessionStart) / 1e9;
            for (int run = 0; run < 2; run++) {
                long start = System.nanoTime();
                trained = TokenizerTrainJob.run(spark, config, reader, List.of(corpus.toAbsolutePath().toString()),
                        work.resolve("ours").toAbsolutePath().toString(), true);
                ourTrainSeconds.add((System.nanoTime() - start) / 1e9);
            }
        }
        Path ourModel = Path.of(trained.modelPath().replaceFirst("^file:", ""));

        // the same training in this JVM without Spark: counting on one thread, then the merges
        long coreStart = System.nanoTime();
        TrainingText text = new TrainingText(config);
        Map<String, long[]> counted = new HashMap<>();
        for (String line : lines(corpus)) {
            text.words(line, w -> counted.computeIfAbsent(w, k -> new long[1])[0]++);
        }
        Map<String, Long> words = new HashMap<>();
        counted.forEach((w, c) -> words.put(w, c[0]));
        double coreCountSeconds = (System.nanoTime() - coreStart) / 1e9;
        new BpeTrainer(config).train(words);
        double coreSeconds = (System.nanoTime() - coreStart) / 1e9;
        double spmTrainAgainSeconds = time(spmTrain, null, work.resolve("spm_train.log"));

        // compression on held-out text: each trainer's model, encoded by spm_encode
        long heldOutBytes = Files.size(heldOut);
        long spmHeldOutTokens = countTokens(spmEncode(spmModel, heldOut, work));
        long ourHeldOutTokens = countTokens(spmEncode(ourModel, heldOut, work));
        Tokenizer ours = TokenizerFiles.load(ourModel.toString());
        long ourEncoderTokens = encodeCount(ours, lines(heldOut));

        // encoding speed: both encoders, same spm_train model, same text
        Path speedFile = work.resolve("encode.txt");
        String speedText = Files.readString(corpus, StandardCharsets.UTF_8) + Files.readString(heldOut, StandardCharsets.UTF_8);
        Files.writeString(speedFile, speedText.repeat(Math.max(1, options.encodeRepeat)), StandardCharsets.UTF_8);
        long speedBytes = Files.size(speedFile);
        List<String> speedLines = lines(speedFile);
        double spmEncodeSeconds = Double.MAX_VALUE;
        long spmSpeedTokens = 0;
        for (int r = 0; r < 3; r++) {
            Path out = work.resolve("speed.ids");
            spmEncodeSeconds = Math.min(spmEncodeSeconds, time(List.of("spm_encode", "--model=" + spmModel,
                    "--output_format=id"), speedFile, out));
            spmSpeedTokens = countTokens(out);
        }
        byte[] spmModelBytes = Files.readAllBytes(spmModel);
        double singleSeconds = Double.MAX_VALUE;
        double batchSeconds = Double.MAX_VALUE;
        long ourSpeedTokens = 0;
        for (int r = 0; r < 3; r++) {
            Tokenizer cold = TokenizerFiles.fromBytes(spmModelBytes, spmModel.toString());
            long start = System.nanoTime();
            ourSpeedTokens = encodeCount(cold, speedLines);
            singleSeconds = Math.min(singleSeconds, (System.nanoTime() - start) / 1e9);
            Tokenizer coldBatch = TokenizerFiles.fromBytes(spmModelBytes, spmModel.toString());
            start = System.nanoTime();
            long batchTokens = coldBatch.encodeAll(speedLines, false, false).stream().mapToLong(a -> a.length).sum();
            batchSeconds = Math.min(batchSeconds, (System.nanoTime() - start) / 1e9);
            if (batchTokens != ourSpeedTokens) {
                throw new IllegalStateException("batch and single-threaded encoding disagree");
            }
        }

        report.put("train", Map.of(
                "spm_train_seconds", spmTrainSeconds,
                "spm_train_second_run_seconds", spmTrainAgainSeconds,
                "ours_seconds_first_and_second_run", ourTrainSeconds,
                "ours_in_process_seconds", coreSeconds,
                "ours_in_process_count_seconds", coreCountSeconds,
                "ours_spark_session_seconds", sessionSeconds,
                "ours_count_seconds", trained.countSeconds(),
                "ours_merge_seconds", trained.mergeSeconds()));
        report.put("compression", Map.of(
                "held_out_bytes", heldOutBytes,
                "spm_train_tokens", spmHeldOutTokens,
                "ours_tokens", ourHeldOutTokens,
                "ours_tokens_with_our_encoder", ourEncoderTokens,
                "spm_train_bytes_per_token", (double) heldOutBytes / spmHeldOutTokens,
                "ours_bytes_per_token", (double) heldOutBytes / ourHeldOutTokens,
                "ours_vs_spm_token_ratio", (double) ourHeldOutTokens / spmHeldOutTokens));
        report.put("encode", Map.of(
                "file_bytes", speedBytes,
                "lines", speedLines.size(),
                "spm_encode_seconds", spmEncodeSeconds,
                "spm_encode_tokens", spmSpeedTokens,
                "ours_tokens", ourSpeedTokens,
                "ours_single_thread_seconds", singleSeconds,
                "ours_batch_seconds", batchSeconds,
                "ours_batch_threads", Runtime.getRuntime().availableProcessors()));

        System.out.printf(Locale.ROOT, """
                bench tokenizer (vocab %,d; corpus %s, %,d bytes; held-out %s, %,d bytes)
                  training       spm_train %.2f s / %.2f s (two runs)
                                 tokenizer-train on Spark %.2f s / %.2f s (two runs in one session; 2nd: count %.2f s + merges %.2f s; session start %.1f s not counted)
                                 same trainer in-process, without Spark: %.2f s (count %.2f s on one thread)
                  compression    spm_train %.4f bytes/token   ours %.4f bytes/token   tokens ours/spm = %.4f
                  encode (%,d bytes, %,d lines, same model)
                    spm_encode         %7.2f MB/s  %,12.0f tokens/s
                    ours, 1 thread     %7.2f MB/s  %,12.0f tokens/s
                    ours, batch (%d)    %7.2f MB/s  %,12.0f tokens/s
                  identical token counts: %s
                """, vocab, corpus, Files.size(corpus), heldOut, heldOutBytes,
                spmTrainSeconds, spmTrainAgainSeconds, ourTrainSeconds.get(0), ourTrainSeconds.get(1),
                trained.countSeconds(), trained.mergeSeconds(),
                sessionSeconds, coreSeconds, coreCountSeconds,
                (double) heldOutBytes / spmHeldOutTokens, (double) heldOutBytes / ourHeldOutTokens,
                (double) ourHeldOutTokens / spmHeldOutTokens,
                speedBytes, speedLines.size(),
                speedBytes / 1e6 / spmEncodeSeconds, spmSpeedTokens / spmEncodeSeconds,
                speedBytes / 1e6 / singleSeconds, ourSpeedTokens / singleSeconds,
                Runtime.getRuntime().availableProcessors(), speedBytes / 1e6 / batchSeconds, ourSpeedTokens / batchSeconds,
                spmSpeedTokens == ourSpeedTokens && ourEncoderTokens == ourHeldOutTokens ? "yes" : "NO");
        String out = common.out != null ? common.out : "out/bench";
        Files.createDirectories(Path.of(out));
        Json.write(report, new org.apache.hadoop.fs.Path(Path.of(out, "tokenizer.json").toAbsolutePath().toString()),
                new org.apache.hadoop.conf.Configuration());
        System.out.println("  report         " + Path.of(out, "tokenizer.json"));
        return spmSpeedTokens == ourSpeedTokens ? 0 : 1;
    }

    /** spm_train's flags for Gemma's tokenizer, as the interop tests use them. */
    static final List<String> GEMMA_SPM_FLAGS = List.of("--model_type=bpe", "--byte_fallback=true",
            "--split_digits=true", "--allow_whitespace_only_pieces=true", "--remove_extra_whitespaces=false",
            "--add_dummy_prefix=false", "--normalization_rule_name=identity", "--pad_id=0", "--eos_id=1",
            "--bos_id=2", "--unk_id=3", "--bos_piece=<bos>", "--eos_piece=<eos>",
            "--user_defined_symbols=<start_of_turn>,<end_of_turn>");

    private static Path spmEncode(Path model, Path input, Path work) throws Exception {
        Path out = work.resolve(model.getFileName() + ".held-out.ids");
        time(List.of("spm_encode", "--model=" + model, "--output_format=id"), input, out);
        return out;
    }

    private static long encodeCount(Tokenizer tokenizer, List<String> lines) {
        long n = 0;
        for (String line : lines) {
            n += tokenizer.encode(line).length;
        }
        return n;
    }

    private static long countTokens(Path idsFile) throws IOException {
        long n = 0;
        for (String line : Files.readAllLines(idsFile, StandardCharsets.UTF_8)) {
            n += line.isBlank() ? 0 : line.trim().split(" ").length;
        }
        return n;
    }

    /** Lines split at '\n' only, as spm_encode reads them. */
    static List<String> lines(Path file) throws IOException {
        List<String> lines = new ArrayList<>(Arrays.asList(Files.readString(file, StandardCharsets.UTF_8).split("\n", -1)));
        if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        return lines;
    }

    private static double time(List<String> command, Path stdin, Path stdout) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(stdout.toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(stdout.resolveSibling("stderr.log").toFile()));
        if (stdin != null) {
            pb.redirectInput(stdin.toFile());
        }
        long start = System.nanoTime();
        Process p = pb.start();
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException(command.get(0) + " failed; see " + stdout.resolveSibling("stderr.log"));
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
