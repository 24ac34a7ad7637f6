package dev.kiln.models.cli;

import dev.kiln.models.Cli;
import dev.kiln.models.SyntheticData;
import dev.kiln.models.train.MetricsCsv;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Small, fast versions of every command: they run, write their files, and their losses fall. */
class CliTest {
    @TempDir
    static Path tmp;
    static Path images;

    record Run(int code, String out, String err) {
    }

    static Run kiln(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    @BeforeAll
    static void data() throws IOException {
        images = tmp.resolve("images");
        SyntheticData.writeImageSet(images, 384, 128, 1, true);
    }

    @Test
    void everyCommandHasHelp() {
        String[][] commands = {{}, {"demo"}, {"train"}, {"train", "mlp"}, {"train", "activations"}, {"train", "bilinear"}, {"train", "kan"}, {"train", "kan-fit"}, {"train", "cnn"}, {"train", "bytelm"}, {"train", "gpt"}, {"eval"}, {"generate"},
            {"bench"}, {"bench", "mlp"}, {"bench", "gpt"}, {"bench", "cnn"}};
        for (String[] c : commands) {
            String[] args = Arrays.copyOf(c, c.length + 1);
            args[c.length] = "--help";
            Run r = kiln(args);
            assertThat(r.code()).as(String.join(" ", args)).isZero();
            assertThat(r.out()).as(String.join(" ", args)).startsWith("Usage: kiln").contains("--help");
        }
        assertThat(kiln("train").out()).contains("mlp").contains("bytelm").contains("gpt");
    }

    /** Mean of a column over the first and the last {@code k} rows. */
    private static double[] firstAndLast(double[] v, int k) {
        return new double[] {Arrays.stream(v, 0, k).average().orElseThrow(),
            Arrays.stream(v, v.length - k, v.length).average().orElseThrow()};
    }

    @Test
    void trainMlpEvalAndResume() throws IOException {
        Path out = tmp.resolve("mlp");
        Run r = kiln("train", "mlp", "--data", images.toString(), "--hidden", "32", "--epochs", "2", "--batch-size", "32",
                "--lr", "3e-3", "--out", out.toString(), "--no-progress");
        assertThat(r.code()).as(r.err()).isZero();
        for (String f : new String[] {"checkpoint.safetensors", "train.csv", "eval.csv", "loss.png"}) {
            assertThat(out.resolve(f)).as(f).isRegularFile();
        }
        assertThat(r.out()).contains("final loss").contains("checkpoint " + out.resolve("checkpoint.safetensors"));
        double[] loss = MetricsCsv.read(out.resolve("train.csv")).get("loss");
        assertThat(loss).hasSize(24);
        double[] fl = firstAndLast(loss, 4);
        assertThat(fl[1]).isLessThan(0.5 * fl[0]);
        double acc = MetricsCsv.read(out.resolve("eval.csv")).get("accuracy")[1];
        assertThat(acc).isGreaterThan(0.8);

        Run e = kiln("eval", out.toString(), "--data", images.toString());
        assertThat(e.code()).as(e.err()).isZero();
        assertThat(e.out()).contains(String.format(java.util.Locale.ROOT, "accuracy %.2f%%", 100 * acc));

        Run more = kiln("train", "mlp", "--data", images.toString(), "--hidden", "32", "--epochs", "3", "--batch-size", "32",
                "--lr", "3e-3", "--out", out.toString(), "--no-progress", "--resume");
        assertThat(more.code()).as(more.err()).isZero();
        assertThat(more.err()).contains("resuming").contains("at step 24 of 36");
        assertThat(MetricsCsv.read(out.resolve("train.csv")).get("step")).hasSize(36);

        Run clash = kiln("train", "mlp", "--data", images.toString(), "--hidden", "32", "--epochs", "4", "--batch-size", "32",
                "--lr", "1e-2", "--out", out.toString(), "--no-progress", "--resume");
        assertThat(clash.code()).isEqualTo(2);
        assertThat(clash.err()).contains("other settings").contains("train.lr");
    }

    @Test
    void activationSweepWritesATable() throws IOException {
        Path out = tmp.resolve("sweep");
        Run r = kiln("train", "activations", "--activations", "relu,pau", "--data", images.toString(), "--hidden", "16",
                "--steps", "12", "--batch-size", "32", "--lr", "3e-3", "--out", out.toString(), "--no-progress");
        assertThat(r.code()).as(r.err()).isZero();
        String md = Files.readString(out.resolve("activations.md"));
        assertThat(md).contains("| relu |").contains("| pau |");
        assertThat(Files.readAllLines(out.resolve("activations.csv"))).hasSize(3);
        assertThat(out.resolve("pau").resolve("checkpoint.safetensors")).isRegularFile();
    }

    @Test
    void bilinearTrainsAndWritesItsEigendecompositionReport() throws IOException {
        Path out = tmp.resolve("bilinear");
        Run r = kiln("train", "bilinear", "--data", images.toString(), "--embed", "24", "--hidden", "24", "--epochs", "3",
                "--batch-size", "64", "--lr", "1e-2", "--noise", "0.2", "--eigenvectors", "2", "--out", out.toString(),
                "--no-progress");
        assertThat(r.code()).as(r.err()).isZero();
        double[] fl = firstAndLast(MetricsCsv.read(out.resolve("train.csv")).get("loss"), 3);
        assertThat(fl[1]).isLessThan(0.6 * fl[0]);
        Matcher m = Pattern.compile("logits reproduced to ([0-9.eE+-]+) \\(largest logit ([0-9.eE+-]+)\\)").matcher(r.out());
        assertThat(m.find()).as(r.out()).isTrue();
        assertThat(Double.parseDouble(m.group(1))).isLessThan(1e-4 * Math.max(1, Double.parseDouble(m.group(2))));
        for (String f : new String[] {"report.md", "topk.csv", "topk.png", "eigenvalues.csv", "eigenvectors.png"}) {
            assertThat(out.resolve("eigen").resolve(f)).as(f).isRegularFile();
        }
        // keeping every eigenvector is the model itself: the last row of topk.csv is the eval accuracy
        var topk = MetricsCsv.read(out.resolve("eigen").resolve("topk.csv"));
        double full = topk.get("accuracy")[topk.get("accuracy").length - 1];
        double acc = MetricsCsv.read(out.resolve("eval.csv")).get("accuracy")[2];
        assertThat(full).isCloseTo(acc, org.assertj.core.data.Offset.offset(0.01));
        assertThat(kiln("eval", out.toString(), "--data", images.toString()).code()).isZero();
    }

    @Test
    void kanClassifierAndFunctionFit() throws IOException {
        Path out = tmp.resolve("kan");
        Run r = kiln("train", "kan", "--data", images.toString(), "--widths", "784,8,10", "--epochs", "2", "--batch-size", "32",
                "--lr", "1e-2", "--out", out.toString(), "--no-progress");
        assertThat(r.code()).as(r.err()).isZero();
        double[] fl = firstAndLast(MetricsCsv.read(out.resolve("train.csv")).get("loss"), 3);
        assertThat(fl[1]).isLessThan(0.6 * fl[0]);
        Run e = kiln("eval", out.toString(), "--data", images.toString());
        assertThat(e.code()).as(e.err()).isZero();

        Path fit = tmp.resolve("kan-fit");
        Run f = kiln("train", "kan-fit", "--grids", "3,5", "--steps", "5", "--points", "200", "--out", fit.toString());
        assertThat(f.code()).as(f.err()).isZero();
        var rows = Files.readAllLines(fit.resolve("rmse.csv"));
        assertThat(rows).hasSize(4); // header, two grids, the MLP
        assertThat(rows.get(0)).isEqualTo("model,grid,parameters,train_rmse,test_rmse,seconds");
        for (String row : rows.subList(1, 4)) {
            double rmse = Double.parseDouble(row.split(",")[4]);
            assertThat(rmse).as(row).isFinite().isLessThan(1.5); // f's std on [-1, 1]^2 is about 1.5: each model learned
        }
        assertThat(fit.resolve("rmse.png")).isRegularFile();
        assertThat(kiln("eval", fit.toString(), "--data", images.toString()).code()).isEqualTo(2); // a regressor has no test split
    }

    @Test
    void demoTrainsSamplesAndGenerateContinuesAPrompt() throws IOException {
        Path corpus = tmp.resolve("corpus");
        Files.createDirectories(corpus);
        String line = "public static int add(int a, int b) { return a + b; }\n";
        Files.writeString(corpus.resolve("A.java"), line.repeat(60));
        Files.writeString(corpus.resolve("B.java"), "class B { int x = 1; }\n".repeat(60));
        Path out = tmp.resolve("demo");
        Run r = kiln("demo", "--steps", "100", "--corpus", corpus.toString(), "--out", out.toString(), "--layers", "2",
                "--d-model", "32", "--heads", "2", "--context", "16", "--batch-size", "8", "--length", "40", "--no-progress");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("byte-level GPT, 2 layers, d 32, 2 heads, context 16");
        assertThat(r.out()).contains("---- generated").contains("final loss").contains("plot");
        for (String f : new String[] {"checkpoint.safetensors", "train.csv", "eval.csv", "loss.png"}) {
            assertThat(out.resolve(f)).as(f).isRegularFile();
        }
        double[] fl = firstAndLast(MetricsCsv.read(out.resolve("train.csv")).get("loss"), 5);
        assertThat(fl[0]).isGreaterThan(5.0); // ln 256 = 5.55 at the start
        assertThat(fl[1]).isLessThan(0.7 * fl[0]);

        Run g = kiln("generate", out.toString(), "--prompt", "public ", "--length", "30", "--seed", "3");
        assertThat(g.code()).as(g.err()).isZero();
        assertThat(g.out()).startsWith("public ");
        assertThat(g.out().strip().getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isGreaterThanOrEqualTo(7 + 20);
        assertThat(kiln("generate", out.toString(), "--prompt", "public ", "--length", "30", "--seed", "3").out())
                .isEqualTo(g.out());

        Run ev = kiln("eval", out.toString(), "--text", corpus.toString());
        assertThat(ev.code()).as(ev.err()).isZero();
        Matcher m = Pattern.compile("([0-9.]+) bits per byte").matcher(ev.out());
        assertThat(m.find()).as(ev.out()).isTrue();
        assertThat(Double.parseDouble(m.group(1))).isLessThan(8.0 * 0.7);
    }

    @Test
    void trainGptResumesBitExactlyAndEveryArchitectureTrains() throws IOException {
        Path corpus = tmp.resolve("gpt-corpus");
        Files.createDirectories(corpus);
        Files.writeString(corpus.resolve("C.java"), "for (int i = 0; i < n; i++) { sum += a[i] * b[i]; }\n".repeat(80));
        String[] arch = {"--layers", "2", "--d-model", "16", "--heads", "2", "--context", "16", "--batch-size", "4",
            "--no-progress", "--seed", "5"};
        Path a = tmp.resolve("gpt-a");
        Path b = tmp.resolve("gpt-b");
        Run ra = kiln(concat(new String[] {"train", "gpt", corpus.toString(), "--steps", "8", "--checkpoint-every", "4",
            "--out", a.toString()}, arch));
        assertThat(ra.code()).as(ra.err()).isZero();
        assertThat(ra.err()).contains("gpt: 2 layers, d 16, 2 heads, context 16, layernorm pre-ln");
        assertThat(kiln(concat(new String[] {"train", "gpt", corpus.toString(), "--steps", "4", "--out", b.toString()}, arch))
                .code()).isZero();
        Run rb = kiln(concat(new String[] {"train", "gpt", corpus.toString(), "--steps", "8", "--resume", "--out",
            b.toString()}, arch));
        assertThat(rb.code()).as(rb.err()).isZero();
        assertThat(rb.err()).contains("resuming").contains("at step 4 of 8");
        double[] la = MetricsCsv.read(a.resolve("train.csv")).get("loss");
        double[] lb = MetricsCsv.read(b.resolve("train.csv")).get("loss");
        assertThat(la).hasSize(8);
        assertThat(lb).containsExactly(la); // bit for bit: the resumed run is the uninterrupted one

        Run g = kiln("generate", a.toString(), "--prompt", "for (", "--length", "40", "--seed", "2");
        assertThat(g.code()).as(g.err()).isZero();
        assertThat(g.out()).startsWith("for (");
        assertThat(kiln("generate", a.toString(), "--prompt", "for (", "--length", "40", "--seed", "2").out())
                .isEqualTo(g.out());

        String[][] variants = {
            {"--norm", "rmsnorm", "--placement", "mix", "--mix-alpha", "0.5", "--ffn", "swiglu", "--positions", "rotary",
                "--kv-heads", "1"},
            {"--norm", "crmsnorm", "--placement", "peri", "--attention", "linear", "--ffn", "geglu", "--no-bias"},
            {"--placement", "post", "--attention", "relu", "--ffn", "bilinear", "--positions", "none"},
        };
        for (String[] v : variants) {
            Path o = tmp.resolve("gpt-" + v[1] + v[3]);
            Run r = kiln(concat(concat(new String[] {"train", "gpt", corpus.toString(), "--steps", "30", "--warmup", "0",
                "--lr", "1e-2", "--out", o.toString()}, arch), v));
            assertThat(r.code()).as(String.join(" ", v) + "\n" + r.err()).isZero();
            double[] fl = firstAndLast(MetricsCsv.read(o.resolve("train.csv")).get("loss"), 4);
            assertThat(fl[1]).as(String.join(" ", v)).isLessThan(0.75 * fl[0]);
            Run gv = kiln("generate", o.toString(), "--prompt", "sum", "--length", "20");
            assertThat(gv.code()).as(gv.err()).isZero();
            assertThat(gv.out()).startsWith("sum");
        }

        Run bad = kiln("train", "gpt", corpus.toString(), "--attention", "relu", "--positions", "rotary", "--steps", "1",
                "--out", tmp.resolve("gpt-bad").toString());
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("rotary positions need softmax attention");
        Run badNorm = kiln("train", "gpt", corpus.toString(), "--norm", "groupnorm", "--steps", "1");
        assertThat(badNorm.code()).isEqualTo(2);
        assertThat(badNorm.err()).contains("unknown norm 'groupnorm'");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void benchGptTimesSteps() {
        Run r = kiln("bench", "gpt", "--layers", "1", "--d-model", "16", "--heads", "2", "--context", "8", "--batch-size", "2",
                "--warmup", "1", "--steps", "2", "--rounds", "1", "--breakdown");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("kiln  step [0-9.]+ ms").containsPattern("forward\\+loss [0-9.]+ ms");
    }

    @Test
    void benchMlpTimesSteps() {
        Run r = kiln("bench", "mlp", "--hidden", "16", "--batch-size", "8", "--warmup", "1", "--steps", "3", "--rounds", "1");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("kiln  step [0-9.]+ ms");
    }

    @Test
    void missingDataAndBadArgumentsAreOneClearLine() {
        Run r = kiln("train", "mlp", "--data", tmp.resolve("nowhere").toString(), "--out", tmp.resolve("x").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("Fashion-MNIST").contains("apt-get install dataset-fashion-mnist");
        assertThat(r.err().lines().count()).isEqualTo(1);
        Run bad = kiln("train", "mlp", "--data", images.toString(), "--activation", "nope");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("unknown activation 'nope'");
        Run notCk = kiln("eval", tmp.resolve("nothing-here").toString());
        assertThat(notCk.code()).isEqualTo(2);
        assertThat(notCk.err()).contains("no checkpoint");
    }
}
