package io.gemmaspark.jobs.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmaspark.jobs.PrepareCommand;
import io.gemmaspark.util.UserError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Input resolution and option routing, without Spark. */
class InputFilesTest {
    private static Configuration conf() {
        Configuration conf = new Configuration();
        ZstdCodec.register(conf);
        return conf;
    }

    @Test
    void directoriesAreWalkedAndFilesTypedByExtensionUnderCompression(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("a.jsonl"), "{}\n");
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("sub/b.jsonl.gz"), "x");
        Files.writeString(dir.resolve("sub/c.txt.zst"), "x");
        Files.writeString(dir.resolve("d.parquet"), "x");
        Files.writeString(dir.resolve("README.md"), "x");
        Files.writeString(dir.resolve("_SUCCESS"), "");
        InputFiles files = InputFiles.resolve(List.of(dir.toString()), null, conf());
        assertEquals(List.of(InputFiles.Format.JSONL, InputFiles.Format.PARQUET, InputFiles.Format.JSONL,
                InputFiles.Format.TEXT), files.files().stream().map(InputFiles.InputFile::format).toList());
        assertEquals(1, files.skipped().size(), "README.md is listed as skipped, _SUCCESS is ignored");
    }

    @Test
    void globsMatchAndMissingPathsAreUserErrors(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("p1.jsonl"), "{}\n");
        Files.writeString(dir.resolve("p2.jsonl"), "{}\n");
        assertEquals(2, InputFiles.resolve(List.of(dir + "/p*.jsonl"), null, conf()).files().size());
        UserError missing = assertThrows(UserError.class,
                () -> InputFiles.resolve(List.of(dir + "/nothing.jsonl"), null, conf()));
        assertTrue(missing.getMessage().contains("nothing.jsonl: input path does not exist"), missing.getMessage());
        UserError glob = assertThrows(UserError.class, () -> InputFiles.resolve(List.of(dir + "/q*"), null, conf()));
        assertTrue(glob.getMessage().contains("glob matches nothing"), glob.getMessage());
        Files.createDirectories(dir.resolve("empty"));
        UserError empty = assertThrows(UserError.class,
                () -> InputFiles.resolve(List.of(dir.resolve("empty").toString()), null, conf()));
        assertTrue(empty.getMessage().contains("input is empty"), empty.getMessage());
        Files.writeString(dir.resolve("notes.csv"), "a,b\n");
        UserError unknown = assertThrows(UserError.class,
                () -> InputFiles.resolve(List.of(dir.resolve("notes.csv").toString()), null, conf()));
        assertTrue(unknown.getMessage().contains("unknown input format"), unknown.getMessage());
        assertEquals(InputFiles.Format.JSONL, InputFiles.resolve(List.of(dir.resolve("notes.csv").toString()),
                InputFiles.Format.JSONL, conf()).files().get(0).format());
    }

    @Test
    void setOverridesGoToTheFileThatOwnsTheKey() {
        PrepareJob.Request request = PrepareCommand.request(List.of("in"), "out", false, false, "prepare/default",
                null, List.of("reader.text_column=body", "gopher_quality.min_doc_words=7", "output.write_rejected=false"));
        assertEquals("body", request.settings().reader().textColumn());
        assertEquals(false, request.settings().output().writeRejected());
        assertEquals(7, request.filters().config().gopherQuality().minDocWords());
        assertEquals("filters/default", request.filtersRef());
    }
}
