package dev.kiln.models.cli;

import dev.kiln.models.SyntheticData;
import dev.kiln.models.train.MetricsCsv;
import dev.kiln.tensor.Generator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

import static dev.kiln.models.cli.CliTest.kiln;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code kiln train cnn} and {@code kiln bench cnn} on small generated images (CI has no data set and no Python). */
class TrainCnnCommandTest {
    @TempDir
    static Path tmp;
    static Path images;

    /**
     * 28×28 images of three textures a convolution tells apart wherever they are (the bands of
     * {@link SyntheticData#writeImageSet} differ only by position, which global average pooling
     * discards): class 0 horizontal stripes, 1 vertical stripes, 2 plain noise.
     */
    @BeforeAll
    static void data() throws IOException {
        images = tmp.resolve("images");
        Files.createDirectories(images);
        Generator rng = new Generator(3);
        for (String split : new String[] {"train", "t10k"}) {
            int n = split.equals("train") ? 192 : 96;
            byte[] x = new byte[n * 784];
            byte[] y = new byte[n];
            for (int i = 0; i < n; i++) {
                int c = rng.nextInt(3);
                y[i] = (byte) c;
                for (int p = 0; p < 784; p++) {
                    int line = c == 0 ? p / 28 : p % 28;
                    x[i * 784 + p] = (byte) (rng.nextInt(100) + (c < 2 && line % 2 == 0 ? 150 : 0));
                }
            }
            SyntheticData.writeIdx(images.resolve(split + "-images-idx3-ubyte.gz"), new int[] {n, 28, 28}, x, true);
            SyntheticData.writeIdx(images.resolve(split + "-labels-idx1-ubyte.gz"), new int[] {n}, y, true);
        }
    }

    /** A tiny ResNet on 6 steps an epoch. */
    private static String[] train(Path out, String... more) {
        String[] base = {"train", "cnn", "--data", images.toString(), "--widths", "4,8", "--batch-size", "32",
            "--out", out.toString(), "--no-progress"};
        String[] args = Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, args, base.length, more.length);
        return args;
    }

    @Test
    void trainsEvaluatesAndResumesWhereItStopped() throws IOException {
        Path out = tmp.resolve("resnet");
        // a constant rate: a cosine schedule's length is part of the run, so such a run cannot grow on resume
        CliTest.Run r = kiln(train(out, "--epochs", "2", "--schedule", "constant"));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("resnet 4-8 x1").contains("sgd, lr 0.05");
        for (String f : new String[] {"checkpoint.safetensors", "train.csv", "eval.csv", "loss.png"}) {
            assertThat(out.resolve(f)).as(f).isRegularFile();
        }
        double[] loss = MetricsCsv.read(out.resolve("train.csv")).get("loss");
        assertThat(loss).hasSize(12);
        double first = Arrays.stream(loss, 0, 3).average().orElseThrow();
        double last = Arrays.stream(loss, 9, 12).average().orElseThrow();
        assertThat(last).isLessThan(0.5 * first);
        double acc = MetricsCsv.read(out.resolve("eval.csv")).get("accuracy")[1];
        assertThat(acc).isGreaterThan(0.6); // of three classes

        // kiln eval rebuilds the network from the checkpoint alone and gets the same accuracy
        CliTest.Run e = kiln("eval", out.toString(), "--data", images.toString());
        assertThat(e.code()).as(e.err()).isZero();
        assertThat(e.out()).contains(String.format(Locale.ROOT, "accuracy %.2f%%", 100 * acc));

        CliTest.Run more = kiln(train(out, "--epochs", "3", "--schedule", "constant", "--resume"));
        assertThat(more.code()).as(more.err()).isZero();
        assertThat(more.err()).contains("resuming").contains("at step 12 of 18");
        assertThat(MetricsCsv.read(out.resolve("train.csv")).get("step")).hasSize(18);

        CliTest.Run clash = kiln(train(out, "--epochs", "4", "--schedule", "constant", "--resume", "--no-flip"));
        assertThat(clash.code()).isEqualTo(2);
        assertThat(clash.err()).contains("other settings").contains("data.flip");
    }

    @Test
    void vggTrainsToo() throws IOException {
        Path out = tmp.resolve("vgg");
        CliTest.Run r = kiln(train(out, "--arch", "vgg", "--blocks", "2", "--steps", "10"));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("vgg 4-8 x2");
        double[] loss = MetricsCsv.read(out.resolve("train.csv")).get("loss");
        assertThat(Arrays.stream(loss, 7, 10).average().orElseThrow()).isLessThan(Arrays.stream(loss, 0, 3).average().orElseThrow());
    }

    @Test
    void badFlagsAreOneClearLine() {
        CliTest.Run arch = kiln("train", "cnn", "--data", images.toString(), "--arch", "lenet", "--out", tmp.resolve("x").toString());
        assertThat(arch.code()).isEqualTo(2);
        assertThat(arch.err()).contains("--arch").contains("lenet").contains("resnet or vgg");
        assertThat(arch.err().lines().count()).isEqualTo(1);
        CliTest.Run widths = kiln("train", "cnn", "--data", images.toString(), "--widths", "4,0");
        assertThat(widths.code()).isEqualTo(2);
        assertThat(widths.err()).contains("--widths");
        CliTest.Run shift = kiln("train", "cnn", "--data", images.toString(), "--shift", "15");
        assertThat(shift.code()).isEqualTo(2);
        assertThat(shift.err()).contains("--shift");
        CliTest.Run bench = kiln("bench", "cnn", "--arch", "alexnet");
        assertThat(bench.code()).isEqualTo(2);
        assertThat(bench.err()).contains("--arch").contains("alexnet");
    }

    @Test
    void benchCnnTimesSteps() {
        CliTest.Run r = kiln("bench", "cnn", "--widths", "2,4", "--batch-size", "4", "--warmup", "1", "--steps", "2", "--rounds", "1",
                "--breakdown");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("CNN resnet 2-4 x1").containsPattern("kiln  step [0-9.]+ ms")
                .containsPattern("forward\\+loss [0-9.]+ ms");
    }
}
