package io.gemmaspark.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CliTest {
    record Result(int status, String out, String err) {
    }

    /** Runs the CLI in this JVM and captures its exit status, stdout and stderr. */
    static Result run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            CommandLine cli = GemmaCli.commandLine();
            cli.setOut(new java.io.PrintWriter(System.out, true));
            cli.setErr(new java.io.PrintWriter(System.err, true));
            int status = cli.execute(args);
            return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void helpListsEveryCommand() {
        Result r = run("--help");
        assertEquals(0, r.status());
        for (String command : new String[] {"demo", "prepare", "tokenizer-train", "tokenize", "pretrain", "sft",
                "reward-train", "rlhf", "evaluate", "generate", "convert", "bench", "info", "tokenizer-encode",
                "tokenizer-decode", "serve", "generate-batch"}) {
            assertTrue(r.out().contains(command), "help lists " + command + ":\n" + r.out());
        }
    }

    @Test
    void everyCommandHasHelp() {
        for (String command : GemmaCli.commandLine().getSubcommands().keySet()) {
            Result r = run(command, "--help");
            assertEquals(0, r.status(), command);
            assertTrue(r.out().contains("--conf"), command + " --help shows the common options");
        }
    }

    @Test
    void badConfigGivesOneLineErrorNamingTheKey(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("demo.yaml");
        Files.writeString(conf, "out: x\ninputs: [a]\nfilters: f\nmodel: m\nmodle: typo\n");
        Result r = run("demo", "--conf", conf.toString());
        assertEquals(2, r.status());
        String[] lines = r.err().strip().split("\n");
        assertEquals(1, lines.length, r.err());
        assertTrue(lines[0].startsWith("error: " + conf + ":5: key 'modle': unknown key; expected one of out, master, inputs"),
                lines[0]);
        assertTrue(lines[0].contains(" model"), lines[0]);
    }

    @Test
    void badOverrideNamesTheSetOption() {
        Result r = run("demo", "--set", "model=models/tiny", "--set", "master=[1,2]");
        assertEquals(2, r.status());
        assertEquals("error: --set master=[1,2]: key 'master': expected a string, got a list", r.err().strip());
        assertFalse(r.err().contains("Exception"));
    }
}
