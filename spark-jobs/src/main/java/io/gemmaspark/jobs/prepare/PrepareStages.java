package io.gemmaspark.jobs.prepare;

import com.fasterxml.jackson.core.type.TypeReference;
import io.gemmaspark.util.Json;
import io.gemmaspark.util.UserError;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The prepare job's materialised stages, kept in its output's work area ({@code .OUT.partial/stages/NAME}): each
 * stage writes its Parquet and then a completion marker holding its figures, so a run that fails or is killed
 * can be continued with {@code --resume}. A complete stage is read back instead of computed; the first stage that
 * is not complete, and every stage after it, is computed afresh, because later stages refer to the row ids
 * ({@code vid}) that earlier ones assigned.
 *
 * <p>The work area records the configuration digest and the input files it was made from; resuming it with other
 * settings or inputs is refused rather than silently mixing two runs.
 */
final class PrepareStages {
    /** In the order they run. */
    enum Stage {
        READ, FILTER, SIGNATURES, BUCKETS, CLUSTERS, WRITE;

        String dirName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Called before a stage is computed (not when it is resumed): where a test interrupts a run. */
    interface Hook {
        Hook NONE = stage -> { };

        void beforeCompute(Stage stage);
    }

    static final String MARKER = "_STAGE_COMPLETE";
    private static final String JOB_FILE = "job.json";

    private final FileSystem fs;
    private final Path root;
    private final Configuration conf;
    private final Hook hook;
    private final Map<String, Object> timings = new LinkedHashMap<>();
    private boolean computing;

    private PrepareStages(FileSystem fs, Path root, Configuration conf, Hook hook, boolean computing) {
        this.fs = fs;
        this.root = root;
        this.conf = conf;
        this.hook = hook;
        this.computing = computing;
    }

    /**
     * @param workArea    the output's temporary directory
     * @param resume      continue from the complete stages found there
     * @param fingerprint what must be equal for a resume: configuration digest and input files
     */
    static PrepareStages open(FileSystem fs, Path workArea, Configuration conf, boolean resume,
                              Map<String, Object> fingerprint, Hook hook) {
        Path root = new Path(workArea, "stages");
        Path jobFile = new Path(root, JOB_FILE);
        try {
            boolean found = fs.exists(jobFile);
            if (resume && found) {
                // Compared as parsed JSON on both sides, so that number types read back do not matter.
                boolean same;
                try (InputStream in = fs.open(jobFile)) {
                    same = Json.MAPPER.readTree(in).equals(Json.MAPPER.readTree(Json.MAPPER.writeValueAsString(fingerprint)));
                }
                if (!same) {
                    throw new UserError(root + ": the interrupted run was started with other settings or inputs "
                            + "(" + JOB_FILE + " differs); rerun without --resume to start over");
                }
                return new PrepareStages(fs, root, conf, hook, false);
            }
            fs.delete(root, true);
            Json.write(fingerprint, jobFile, conf);
            return new PrepareStages(fs, root, conf, hook, true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the work area " + root, e);
        }
    }

    Path path(Stage stage) {
        return new Path(root, stage.dirName());
    }

    /**
     * The figures of {@code stage}: read from its marker when it is complete and nothing before it was recomputed,
     * else computed by {@code compute} (given the stage's empty directory) and then marked complete.
     */
    Map<String, Long> run(Stage stage, Function<Path, Map<String, Long>> compute) {
        Path dir = path(stage);
        Path marker = new Path(dir, MARKER);
        try {
            if (!computing && fs.exists(marker)) {
                Map<String, Object> done = readJson(fs, marker);
                timings.put(stage.dirName(), Map.of("seconds", done.get("seconds"), "resumed", true));
                return Json.MAPPER.convertValue(done.get("figures"), new TypeReference<Map<String, Long>>() { });
            }
            computing = true;
            fs.delete(dir, true);
            hook.beforeCompute(stage);
            long started = System.nanoTime();
            Map<String, Long> figures = compute.apply(dir);
            double seconds = Math.round((System.nanoTime() - started) / 1e8) / 10.0;
            Map<String, Object> done = new LinkedHashMap<>();
            done.put("stage", stage.dirName());
            done.put("seconds", seconds);
            done.put("figures", figures);
            Json.write(done, marker, conf);
            timings.put(stage.dirName(), Map.of("seconds", seconds, "resumed", false));
            return figures;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run stage " + stage.dirName() + " in " + dir, e);
        }
    }

    /** Per stage: seconds it took and whether this run read it back (for the manifest). */
    Map<String, Object> timings() {
        return timings;
    }

    /** Removes the intermediate data once the final output is written (it is not part of the output). */
    void discard() {
        try {
            fs.delete(root, true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the work area " + root, e);
        }
    }

    private static Map<String, Object> readJson(FileSystem fs, Path file) throws IOException {
        try (InputStream in = fs.open(file)) {
            return Json.MAPPER.readValue(in, new TypeReference<Map<String, Object>>() { });
        }
    }
}
