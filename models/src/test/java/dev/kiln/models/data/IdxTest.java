package dev.kiln.models.data;

import dev.kiln.models.SyntheticData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IdxTest {
    @TempDir
    Path dir;

    @Test
    void readsPlainAndGzippedFilesAlike() throws IOException {
        byte[] data = new byte[2 * 3 * 4];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 11);
        }
        Path plain = dir.resolve("a-idx3-ubyte");
        Path gz = dir.resolve("b");
        SyntheticData.writeIdx(plain, new int[] {2, 3, 4}, data, false);
        SyntheticData.writeIdx(gz, new int[] {2, 3, 4}, data, true);
        for (Path p : new Path[] {plain, gz}) {
            Idx.Array a = Idx.read(p);
            assertThat(a.shape()).containsExactly(2, 3, 4);
            assertThat(a.data()).isEqualTo(data);
        }
    }

    @Test
    void truncatedOrLyingFilesAreClearErrors() throws IOException {
        byte[] data = new byte[100];
        Path p = dir.resolve("x");
        SyntheticData.writeIdx(p, new int[] {10, 10}, data, false);
        byte[] full = Files.readAllBytes(p);
        Files.write(p, Arrays.copyOf(full, full.length - 1));
        assertThatThrownBy(() -> Idx.read(p)).hasMessageContaining("truncated");
        // sizes that claim ~2^40 bytes fail before any allocation
        SyntheticData.writeIdx(p, new int[] {1 << 20, 1 << 20}, new byte[0], false);
        assertThatThrownBy(() -> Idx.read(p)).hasMessageContaining("more than 2^31 bytes");
        // a gzipped file whose header claims more than its trailer's size
        SyntheticData.writeIdx(p, new int[] {1000, 1000}, new byte[10], true);
        assertThatThrownBy(() -> Idx.read(p)).hasMessageContaining("truncated");
        Files.write(p, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        assertThatThrownBy(() -> Idx.read(p)).hasMessageContaining("magic");
        Files.write(p, new byte[] {0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0});
        assertThatThrownBy(() -> Idx.read(p)).hasMessageContaining("only unsigned bytes");
    }

    @Test
    void imageSetsScaleToUnitIntervalAndLocateExplains() throws IOException {
        SyntheticData.writeImageSet(dir, 50, 20, 3, true);
        TensorDataset train = IdxImages.load(IdxImages.locate(IdxImages.FASHION_MNIST, dir), IdxImages.Split.TRAIN);
        TensorDataset test = IdxImages.load(dir, IdxImages.Split.TEST);
        assertThat(train.size()).isEqualTo(50);
        assertThat(test.size()).isEqualTo(20);
        assertThat(train.features().shape()).containsExactly(50, 784);
        float[] x = train.features().toFloatArray();
        for (float v : x) {
            assertThat(v).isBetween(0f, 1f);
        }
        for (int v : train.targets().toIntArray()) {
            assertThat(v).isBetween(0, 9);
        }
        Path empty = dir.resolve("empty");
        Files.createDirectories(empty);
        assertThatThrownBy(() -> IdxImages.locate(IdxImages.FASHION_MNIST, empty))
                .hasMessageContaining("apt-get install dataset-fashion-mnist").hasMessageContaining("--data");
    }
}
