package dev.kiln.models.cli;

import dev.kiln.models.Cli;
import dev.kiln.models.SyntheticData;
import dev.kiln.models.io.Checkpoint;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The command line as a real process: Ctrl-C (SIGINT) during training saves a checkpoint and exits
 * 130; running out of heap is one line that names the flags and -Xmx.
 */
@DisabledOnOs(OS.WINDOWS) // kill -INT
class CtrlCAndMemoryTest {
    @TempDir
    static Path tmp;
    static Path images;

    @BeforeAll
    static void data() throws IOException {
        images = tmp.resolve("images");
        SyntheticData.writeImageSet(images, 64, 16, 5, true);
    }

    /** Starts {@code kiln ARGS} in a new JVM with this test's class path; stdout and stderr go to files. */
    static Process kiln(Path logs, String heap, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx" + heap, "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), Cli.class.getName()));
        cmd.addAll(List.of(args));
        Files.createDirectories(logs);
        return new ProcessBuilder(cmd).redirectOutput(logs.resolve("out").toFile()).redirectError(logs.resolve("err").toFile())
                .start();
    }

    @Test
    void ctrlCFinishesTheStepSavesACheckpointAndExits130() throws Exception {
        Path out = tmp.resolve("run");
        Path logs = tmp.resolve("logs");
        Process p = kiln(logs, "512m", "train", "mlp", "--data", images.toString(), "--hidden", "8", "--steps", "1000000",
                "--batch-size", "8", "--checkpoint-every", "1000000", "--out", out.toString(), "--no-progress");
        Path csv = out.resolve("train.csv");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!(Files.exists(csv) && Files.readAllLines(csv).size() > 3) && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(p.isAlive()).as(Files.readString(logs.resolve("err"))).isTrue();
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String err = Files.readString(logs.resolve("err"));
        assertThat(p.exitValue()).as(err).isEqualTo(Cli.INTERRUPTED);
        assertThat(err).contains("Ctrl-C: stopping after this step")
                .contains("kiln train mlp: interrupted at step").contains("checkpoint saved to " + out.resolve("checkpoint.safetensors"))
                .doesNotContain("Exception");
        long step = Long.parseLong(Checkpoint.load(out.resolve("checkpoint.safetensors")).meta("step"));
        assertThat(step).isBetween(3L, 999_999L);
        assertThat(err).contains("interrupted at step " + step + " of 1000000");
        // no temporary file left behind, and the run continues from there
        try (var files = Files.list(out)) {
            assertThat(files.map(f -> f.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
        var r = HostileInputTest.kiln("train", "mlp", "--data", images.toString(), "--hidden", "8", "--steps",
                Long.toString(step + 2), "--batch-size", "8", "--checkpoint-every", "1000000", "--out", out.toString(),
                "--no-progress", "--resume");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("at step " + step + " of " + (step + 2));
    }

    @Test
    void runningOutOfHeapNamesTheFlagsAndXmx() throws Exception {
        Path logs = tmp.resolve("oom");
        Process p = kiln(logs, "64m", "train", "mlp", "--data", images.toString(), "--hidden", "8192,8192", "--steps", "1",
                "--out", tmp.resolve("oom-run").toString(), "--no-progress");
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).isTrue();
        String err = Files.readString(logs.resolve("err"));
        assertThat(p.exitValue()).as(err).isEqualTo(Cli.OUT_OF_MEMORY);
        // the JDK's own WARNING lines (and the blank line after them) are not Kiln's
        assertThat(err.lines().filter(l -> !l.startsWith("WARNING") && !l.isBlank()).toList()).as(err).hasSize(1);
        assertThat(err).contains("kiln train mlp: out of memory (Java heap space").contains("--batch-size").contains("--hidden")
                .contains("-Xmx").doesNotContain("\tat ");
    }

    @Test
    void aSecondCtrlCOrOneOutsideTrainingExitsAtOnce() {
        List<Integer> exits = new ArrayList<>();
        var saved = Interrupts.exit;
        var console = Interrupts.console;
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        Interrupts.exit = exits::add;
        Interrupts.console = new PrintStream(said, true, StandardCharsets.UTF_8);
        try {
            Interrupts.onInterrupt(); // nothing to save
            assertThat(exits).containsExactly(Cli.INTERRUPTED);
            try (Interrupts.Watch w = Interrupts.watch()) {
                w.onStart(null);
                Interrupts.onInterrupt();
                assertThat(w.stopped()).isTrue();
                assertThat(exits).hasSize(1); // the first press during training only asks to stop
                assertThat(said.toString(StandardCharsets.UTF_8)).contains("press it again to quit at once");
                Interrupts.onInterrupt();
                assertThat(exits).hasSize(2);
            }
            Interrupts.onInterrupt(); // the run is over: nothing listens any more
            assertThat(exits).hasSize(3);
        } finally {
            Interrupts.exit = saved;
            Interrupts.console = console;
        }
    }

    @Test
    void ctrlCIsTakenBackWhenTheProgressBarsTerminalResetsIt() {
        sun.misc.Signal sigint = new sun.misc.Signal("INT");
        sun.misc.SignalHandler before = sun.misc.Signal.handle(sigint, sun.misc.SignalHandler.SIG_DFL);
        try {
            Interrupts.reclaim(); // not installed (a library caller): SIGINT stays as it was
            assertThat(sun.misc.Signal.handle(sigint, sun.misc.SignalHandler.SIG_DFL)).isSameAs(sun.misc.SignalHandler.SIG_DFL);
            Interrupts.install();
            sun.misc.Signal.handle(sigint, sun.misc.SignalHandler.SIG_DFL); // what JLine does when it opens a terminal
            Interrupts.reclaim();
            assertThat(sun.misc.Signal.handle(sigint, sun.misc.SignalHandler.SIG_DFL)).isSameAs(Interrupts.HANDLER);
        } finally {
            Interrupts.installed = false;
            sun.misc.Signal.handle(sigint, before);
        }
    }
}
