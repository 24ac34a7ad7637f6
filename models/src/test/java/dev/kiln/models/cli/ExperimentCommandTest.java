package dev.kiln.models.cli;

import dev.kiln.models.SyntheticData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.kiln.models.cli.CliTest.kiln;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Tiny versions of every {@code kiln experiment}: they run, write their table, CSV and plot, and the numbers make sense. */
class ExperimentCommandTest {
    @TempDir
    static Path tmp;
    static Path corpus;
    static Path images;

    @BeforeAll
    static void data() throws IOException {
        corpus = tmp.resolve("corpus");
        Files.createDirectories(corpus);
        Files.writeString(corpus.resolve("A.java"), "for (int i = 0; i < n; i++) { sum += a[i] * b[i]; }\n".repeat(80));
        images = tmp.resolve("images");
        SyntheticData.writeImageSet(images, 256, 64, 1, true);
    }

    private static void assertFiles(Path dir, String... names) {
        for (String n : names) {
            assertThat(dir.resolve(n)).as(n).isRegularFile();
        }
    }

    private static List<Double> numbers(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        java.util.ArrayList<Double> v = new java.util.ArrayList<>();
        while (m.find()) {
            v.add(Double.parseDouble(m.group(1)));
        }
        return v;
    }

    @Test
    void experimentListsItsSubcommands() {
        CliTest.Run r = kiln("experiment");
        assertThat(r.out()).contains("mix-ln").contains("galore").contains("spam").contains("crmsnorm").contains("init")
                .contains("prelu-conv").contains("prepbn");
        for (String e : new String[] {"mix-ln", "galore", "spam", "crmsnorm", "init", "prelu-conv", "prepbn"}) {
            assertThat(kiln("experiment", e, "--help").out()).as(e).startsWith("Usage: kiln experiment " + e);
        }
    }

    @Test
    void initShowsXavierShrinkingTheSignalAndHeKeepingIt() throws IOException {
        Path out = tmp.resolve("init");
        CliTest.Run r = kiln("experiment", "init", "--data", images.toString(), "--depth", "12", "--width", "32", "--steps", "20",
                "--batch-size", "32", "--probe", "128", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertFiles(out, "results.md", "meansquare.csv", "loss.csv", "init.png");
        List<Double> log2 = numbers(r.out(), "\\| [0-9.e+-]+ \\| (-?[0-9.]+) \\| [0-9.]+ \\| [0-9.]+% \\|");
        assertThat(log2).hasSize(2);
        assertThat(log2.get(0)).as("He").isBetween(-3.0, 3.0);
        assertThat(log2.get(1)).as("Xavier: about -11 over 12 layers").isBetween(-15.0, -7.0);
    }

    @Test
    void mixLnRecordsPerLayerGradientNorms() {
        Path out = tmp.resolve("mix-ln");
        CliTest.Run r = kiln("experiment", "mix-ln", "--corpus", corpus.toString(), "--layers", "4", "--d-model", "16", "--heads", "2",
                "--context", "16", "--batch-size", "4", "--steps", "6", "--eval-every", "3", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertFiles(out, "results.md", "gradnorms.csv", "curves.csv", "mix-ln.png");
        assertThat(r.out()).contains("Pre-LN").contains("Post-LN").contains("Mix-LN");
    }

    @Test
    void galoreUsesLessOptimizerState() {
        Path out = tmp.resolve("galore");
        CliTest.Run r = kiln("experiment", "galore", "--corpus", corpus.toString(), "--layers", "1", "--d-model", "32", "--heads", "2",
                "--context", "16", "--batch-size", "4", "--steps", "6", "--eval-every", "3", "--rank", "4", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertFiles(out, "results.md", "curves.csv", "galore.png");
        Matcher m = Pattern.compile("\\| (AdamW|GaLore) \\| [0-9.]+ \\| [0-9.]+ \\| ([0-9,]+) bytes").matcher(r.out());
        long[] bytes = new long[2];
        int i = 0;
        while (m.find() && i < 2) {
            bytes[i++] = Long.parseLong(m.group(2).replace(",", ""));
        }
        assertThat(i).as(r.out()).isEqualTo(2);
        assertThat(bytes[1]).as("GaLore's state").isLessThan(bytes[0]);
    }

    @Test
    void spamRecoversFromSpikesBetterThanAdamW() {
        Path out = tmp.resolve("spam");
        CliTest.Run r = kiln("experiment", "spam", "--steps", "400", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertFiles(out, "results.md", "spikes.csv", "spam.png");
        Matcher m = Pattern.compile("\\| (AdamW|SPAM) \\| [0-9.e+-]+ \\| [0-9.e+-]+ \\| ([0-9.e+-]+) \\|").matcher(r.out());
        double[] excess = new double[2];
        int i = 0;
        while (m.find() && i < 2) {
            excess[i++] = Double.parseDouble(m.group(2));
        }
        assertThat(i).as(r.out()).isEqualTo(2);
        assertThat(excess[1]).as("SPAM's excess loss over its clean run").isLessThan(excess[0]);
    }

    @Test
    void crmsnormConversionIsExact() {
        Path out = tmp.resolve("crmsnorm");
        CliTest.Run r = kiln("experiment", "crmsnorm", "--corpus", corpus.toString(), "--layers", "1", "--d-model", "16", "--heads", "2",
                "--context", "16", "--batch-size", "4", "--train-steps", "3", "--reps", "2", "--rounds", "1", "--out",
                out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertFiles(out, "results.md", "norms.csv", "norms.png");
        List<Double> f64 = numbers(r.out(), "\\| [0-9.e+-]+ \\| ([0-9.e+-]+) \\| [0-9.]+ ms \\|");
        assertThat(f64).as(r.out()).hasSize(3).allSatisfy(d -> assertThat(d).isLessThan(1e-9));
    }

    @Test
    void preluConvReportsTheLearnedSlopesPerLayer() {
        for (boolean generated : new boolean[] {false, true}) {
            Path out = tmp.resolve(generated ? "prelu-conv-gratings" : "prelu-conv");
            List<String> args = new java.util.ArrayList<>(List.of("experiment", "prelu-conv", "--widths", "4,8",
                    "--convs-per-stage", "1", "--fc", "16", "--steps", "8", "--batch-size", "16", "--probe-every", "4",
                    "--out", out.toString()));
            args.addAll(generated ? List.of("--synthetic", "64") : List.of("--data", images.toString()));
            CliTest.Run r = kiln(args.toArray(String[]::new));
            assertThat(r.code()).as(r.err()).isZero();
            assertFiles(out, "results.md", "slopes.csv", "loss.csv", "slopes.png");
            // conv1, conv2, fc1: the shared slope and the channel-wise mean, moved from 0.25 by training
            List<Double> shared = numbers(r.out(), "\\| (?:conv\\d|fc1) \\| \\d+ \\| (-?[0-9.]+) \\|");
            assertThat(shared).as(r.out()).hasSize(3).anySatisfy(a -> assertThat(a).isNotEqualTo(0.25));
            assertThat(r.out()).contains("First conv layer:").contains("Spearman");
        }
        CliTest.Run bad = kiln("experiment", "prelu-conv", "--widths", "4,4,4,4,4", "--synthetic", "64");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--widths takes 1 to 4 stages");
    }

    @Test
    void prepbnFoldsExactlyAndTimesTheThreeModels() {
        Path out = tmp.resolve("prepbn");
        CliTest.Run r = kiln("experiment", "prepbn", "--corpus", corpus.toString(), "--layers", "1", "--d-model", "16", "--heads",
                "2", "--context", "16", "--batch-size", "4", "--steps", "8", "--eval-every", "4", "--reps", "2", "--rounds", "1",
                "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertFiles(out, "results.md", "loss.csv", "speed.csv", "prepbn.png");
        List<Double> diff = numbers(r.out(), "folded against unfolded \\(eval\\): ([0-9.]+e[+-][0-9]+)");
        assertThat(diff).as(r.out()).hasSize(1).allSatisfy(d -> assertThat(d).isLessThan(1e-5));
        assertThat(r.out()).contains("| LayerNorm |").contains("| PRepBN folded |");
        // gamma: 1 at the first step, falling linearly to 0 over 3/4 of the 8 steps
        List<Double> gamma = numbers(readString(out.resolve("loss.csv")), ",([0-9.]+)\\n");
        assertThat(gamma).hasSize(8);
        for (int t = 0; t < 8; t++) {
            assertThat(gamma.get(t)).as("step %d", t + 1).isCloseTo(Math.max(0, (6.0 - t) / 6), within(1e-6));
        }
    }

    private static String readString(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
