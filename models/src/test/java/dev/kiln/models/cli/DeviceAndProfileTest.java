package dev.kiln.models.cli;

import dev.kiln.models.Cli;
import dev.kiln.tensor.Backends;
import dev.kiln.tensor.Device;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/** --device on train, bench, generate and eval, and kiln profile, on tiny models. */
class DeviceAndProfileTest {
    @TempDir
    static Path tmp;
    static Path corpus;
    static Path run;

    record Run(int code, String out, String err) {
    }

    static Run kiln(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    static final String[] TINY_GPT = {"--layers", "1", "--d-model", "16", "--heads", "2", "--context", "8", "--batch-size", "2",
        "--no-progress"};

    /** A two-step GPT run on the CPU, chosen explicitly: the checkpoint that generate and eval read below. */
    @BeforeAll
    static void trainOnCpu() throws IOException {
        corpus = tmp.resolve("c.txt");
        Files.writeString(corpus, "int x = a + b; return x * 2;\n".repeat(40));
        run = tmp.resolve("gpt");
        List<String> args = new ArrayList<>(List.of("train", "gpt", corpus.toString(), "--steps", "2", "--out", run.toString(),
                "--device", "cpu"));
        args.addAll(List.of(TINY_GPT));
        Run r = kiln(args.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(run.resolve("checkpoint.safetensors")).isRegularFile();
    }

    @Test
    void cpuIsTheDefaultAndCanBeNamed() {
        assertThat(kiln("train", "mlp", "--help").out()).contains("--device=DEVICE").contains("cpu, cuda or cuda:N");
        Run g = kiln("generate", run.toString(), "--length", "5", "--device", "cpu");
        assertThat(g.code()).as(g.err()).isZero();
        Run b = kiln("bench", "mlp", "--hidden", "8", "--batch-size", "4", "--warmup", "0", "--steps", "1", "--rounds", "1",
                "--device", "cpu");
        assertThat(b.code()).as(b.err()).isZero();
        assertThat(b.out()).contains("on cpu");
    }

    @Test
    void cudaWithoutADeviceIsOneLineAndExitCode2() {
        assumeThat(Backends.available()).as("a CUDA device is present").noneMatch(x -> x.deviceType() == Device.Type.CUDA);
        List<String> gpt = new ArrayList<>(List.of("train", "gpt", corpus.toString(), "--steps", "1", "--out",
                tmp.resolve("gpt-cuda").toString(), "--device", "cuda"));
        gpt.addAll(List.of(TINY_GPT));
        String[][] commands = {gpt.toArray(String[]::new),
            {"bench", "mlp", "--hidden", "8", "--steps", "1", "--rounds", "1", "--device", "cuda"},
            {"bench", "gpt", "--layers", "1", "--d-model", "16", "--heads", "2", "--steps", "1", "--rounds", "1", "--device", "cuda:1"},
            {"generate", run.toString(), "--device", "cuda"},
            {"eval", run.toString(), "--text", corpus.toString(), "--device", "cuda:0"},
            {"profile", "mlp", "--device", "cuda"}};
        for (String[] c : commands) {
            Run r = kiln(c);
            String what = String.join(" ", c);
            assertThat(r.code()).as(what).isEqualTo(2);
            assertThat(r.err().lines().toList()).as(what).hasSize(1);
            assertThat(r.err()).as(what).containsPattern("--device cuda:[01]: no CUDA device here: .+");
        }
    }

    @Test
    void malformedDevicesAreRefusedWhileParsing() {
        for (String bad : new String[] {"foo", "cuda:-1", "cuda:", "gpu:0", "cpu:1"}) {
            Run r = kiln("profile", "mlp", "--device", bad);
            assertThat(r.code()).as(bad).isEqualTo(2);
            assertThat(r.err()).as(bad).startsWith("kiln profile: Invalid value for option '--device': expected cpu, cuda or cuda:N with N >= 0, got '"
                    + bad + "'");
        }
    }

    @Test
    void profilePrintsTheTopOpsByTimeAndAllocationWithTheirShares() throws IOException {
        Path jfr = tmp.resolve("mlp.jfr");
        Run r = kiln("profile", "mlp", "--hidden", "16", "--batch-size", "8", "--warmup", "1", "--steps", "3", "--top", "30",
                "--jfr", jfr.toString());
        assertThat(r.code()).as(r.err()).isZero();
        String out = r.out();
        assertThat(out).contains("profile mlp: 784-16-10, batch 8");
        assertThat(jfr).isRegularFile();
        assertThat(Files.size(jfr)).isPositive();
        Matcher tables = Pattern.compile("top (\\d+) ops by time\\n(.*)\\ntop \\1 ops by allocation\\n(.*)", Pattern.DOTALL).matcher(out);
        assertThat(tables.find()).as(out).isTrue();
        int rows = Integer.parseInt(tables.group(1));
        String byTime = tables.group(2);
        String byAlloc = tables.group(3);
        // every op of the step, in both tables, most first; shares of one step add up to at most all of it
        List<Double> timeShares = shares(byTime);
        assertThat(timeShares).hasSize(rows).isSortedAccordingTo((a, b) -> Double.compare(b, a));
        assertThat(timeShares.stream().mapToDouble(Double::doubleValue).sum()).isBetween(1.0, 100.05);
        assertThat(shares(byAlloc)).hasSize(rows).isSortedAccordingTo((a, b) -> Double.compare(b, a));
        // the step's ops, counted per step: 2 linears forward (product and bias in one op), 3 matmuls backward
        // (dW1, dW2, dx2), one Adam step per parameter
        assertThat(byTime).containsPattern("\\n  linear +2\\.0 ").containsPattern("\\n  matmul +3\\.0 ")
                .containsPattern("\\n  adamStep +4\\.0 ").containsPattern("\\n  relu +1\\.0 ")
                .containsPattern("\\n  crossEntropyBackward +1\\.0 ");
        assertThat(byAlloc).containsPattern("\\n  linear +2\\.0 ").containsPattern("\\n  matmul +3\\.0 ");
        Matcher ops = Pattern.compile("ops +[0-9.]+ ms \\(([0-9.]+)% of the step\\)").matcher(out);
        assertThat(ops.find()).as(out).isTrue();
        assertThat(Double.parseDouble(ops.group(1))).isBetween(1.0, 100.0);

        Run shapes = kiln("profile", "mlp", "--hidden", "16", "--batch-size", "8", "--warmup", "0", "--steps", "1", "--by", "shape");
        assertThat(shapes.code()).as(shapes.err()).isZero();
        assertThat(shapes.out()).contains("linear [8, 16] [8, 784] [16, 784] [16]");
    }

    @Test
    void profileHasHelp() {
        Run h = kiln("profile", "--help");
        assertThat(h.code()).isZero();
        assertThat(h.out()).startsWith("Usage: kiln profile").contains("dev.kiln.Op").contains("--jfr=FILE").contains("--by=")
                .contains("--device=DEVICE");
        assertThat(kiln("--help").out()).contains("profile");
    }

    @Test
    void profileTrainsAGptAndRefusesBadArguments() {
        Run g = kiln("profile", "gpt", "--layers", "1", "--d-model", "16", "--heads", "2", "--context", "8", "--batch-size", "2",
                "--warmup", "0", "--steps", "1");
        assertThat(g.code()).as(g.err()).isZero();
        assertThat(g.out()).contains("scaledDotProductAttention").contains("layerNorm").contains("adamStep");
        Run c = kiln("profile", "cnn", "--batch-size", "2", "--warmup", "0", "--steps", "1", "--top", "100");
        assertThat(c.code()).as(c.err()).isZero();
        assertThat(c.out()).contains("profile cnn: resnet 16-32-64").contains("conv2dBackwardWeight").contains("conv2dBackwardInput");
        for (String[] bad : new String[][] {{"profile", "resnet"}, {"profile", "mlp", "--steps", "0"},
            {"profile", "mlp", "--by", "kernel"}, {"profile", "mlp", "--hidden", "0"}}) {
            Run r = kiln(bad);
            assertThat(r.code()).as(String.join(" ", bad)).isEqualTo(2);
            // one line saying what is wrong; a usage error adds the pointer to --help
            assertThat(r.err().lines().filter(l -> !l.startsWith("Try 'kiln profile --help'")).toList())
                    .as(String.join(" ", bad)).hasSize(1).allMatch(l -> l.startsWith("kiln profile: "));
        }
    }

    /** The share column (last) of a table's rows. */
    private static List<Double> shares(String table) {
        List<Double> s = new ArrayList<>();
        Matcher m = Pattern.compile("\\n  \\S+ +[0-9.]+ +[0-9.]+ +([0-9.]+)%").matcher(table);
        while (m.find()) {
            s.add(Double.parseDouble(m.group(1)));
        }
        return s;
    }
}
