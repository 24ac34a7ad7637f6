package dev.kiln.models.cli;

import dev.kiln.models.SyntheticData;
import dev.kiln.models.io.AtomicFiles;
import dev.kiln.models.train.EvalEvent;
import dev.kiln.models.train.MetricsCsv;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Outputs are replaced atomically (planted symlinks are not followed), and killed writes leave nothing for long. */
class OutputFilesTest {
    @TempDir
    Path tmp;

    @Test
    void plantedSymlinksInTheOutputFolderAreReplacedNotFollowed() throws IOException {
        Path images = tmp.resolve("images");
        SyntheticData.writeImageSet(images, 48, 16, 6, true);
        Path out = tmp.resolve("run");
        Files.createDirectories(out);
        List<String> names = List.of("train.csv", "eval.csv", "loss.png", "checkpoint.safetensors");
        for (String n : names) {
            Path victim = tmp.resolve("victim-" + n);
            Files.writeString(victim, "precious " + n);
            Files.createSymbolicLink(out.resolve(n), victim);
        }
        var r = HostileInputTest.kiln("train", "mlp", "--data", images.toString(), "--hidden", "8", "--steps", "3",
                "--batch-size", "16", "--out", out.toString(), "--no-progress");
        assertThat(r.code()).as(r.err()).isZero();
        for (String n : names) {
            assertThat(Files.readString(tmp.resolve("victim-" + n))).isEqualTo("precious " + n);
            assertThat(Files.isRegularFile(out.resolve(n), LinkOption.NOFOLLOW_LINKS)).as(n).isTrue();
        }
        assertThat(MetricsCsv.read(out.resolve("train.csv")).get("step")).hasSize(3);
    }

    @Test
    void aRunRemovesTheTemporaryFilesOfKilledWritesAndNothingElse() throws IOException {
        Path images = tmp.resolve("images");
        SyntheticData.writeImageSet(images, 48, 16, 7, false);
        Path out = tmp.resolve("run");
        Files.createDirectories(out);
        List<String> stale = List.of(".checkpoint.safetensors.8812736451190.tmp", ".loss.png.42.tmp", ".train.csv.0.tmp");
        for (String n : stale) {
            Files.write(out.resolve(n), new byte[1000]);
        }
        Path victim = tmp.resolve("victim");
        Files.writeString(victim, "keep");
        List<String> others = List.of("notes.tmp", ".notes.tmp", ".x.abc.tmp", "x.12.tmp", ".checkpoint.safetensors.12.tmp.bak");
        for (String n : others) {
            Files.writeString(out.resolve(n), n);
        }
        Files.createSymbolicLink(out.resolve(".link.99.tmp"), victim);
        var r = HostileInputTest.kiln("train", "mlp", "--data", images.toString(), "--hidden", "8", "--steps", "2",
                "--batch-size", "16", "--out", out.toString(), "--no-progress");
        assertThat(r.code()).as(r.err()).isZero();
        for (String n : stale) {
            assertThat(out.resolve(n)).doesNotExist();
        }
        for (String n : others) {
            assertThat(out.resolve(n)).hasContent(n);
        }
        assertThat(Files.isSymbolicLink(out.resolve(".link.99.tmp"))).isTrue();
        assertThat(victim).hasContent("keep");
    }

    @Test
    void aTemporaryFileThatIsBeingWrittenIsLeftAlone() throws IOException {
        Path busy = tmp.resolve(".checkpoint.safetensors.77.tmp");
        Files.write(busy, new byte[10]);
        try (FileChannel ch = FileChannel.open(busy, StandardOpenOption.WRITE); FileLock ignored = ch.lock()) {
            assertThat(AtomicFiles.removeStale(tmp)).isZero();
            assertThat(busy).exists();
        }
        assertThat(AtomicFiles.removeStale(tmp)).isEqualTo(1);
        assertThat(busy).doesNotExist();
    }

    @Test
    void evalCsvColumnsHaveOneOrderWhateverTheMetricsMapOrder() throws IOException {
        Map<String, Double> a = new LinkedHashMap<>();
        a.put("loss", 0.5);
        a.put("accuracy", 0.9);
        a.put("bpb", 1.2);
        Map<String, Double> b = new LinkedHashMap<>();
        b.put("bpb", 1.2);
        b.put("accuracy", 0.9);
        b.put("loss", 0.5);
        for (var m : List.of(a, b, Map.copyOf(a))) {
            Path dir = Files.createTempDirectory(tmp, "eval");
            MetricsCsv csv = new MetricsCsv(dir);
            csv.onEval(null, new EvalEvent(3, 0, "val", m));
            csv.onEnd(null);
            assertThat(Files.readAllLines(dir.resolve(MetricsCsv.EVAL)))
                    .containsExactly("step,epoch,accuracy,bpb,loss", "3,0,0.9000000,1.200000,0.5000000");
        }
    }
}
