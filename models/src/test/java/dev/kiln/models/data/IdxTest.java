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

    /** Bytes the current thread allocated while running {@code body} (HotSpot counts them per thread). */
    private static long allocatedBy(IoBody body) throws IOException {
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().threadId();
        long before = mx.getThreadAllocatedBytes(id);
        body.run();
        return mx.getThreadAllocatedBytes(id) - before;
    }

    interface IoBody {
        void run() throws IOException;
    }

    /** A gzipped IDX file: this header, then {@code zeros} zero bytes (which compress to almost nothing). */
    private static void writeGzipped(Path p, int[] shape, long zeros) throws IOException {
        try (var out = new java.io.DataOutputStream(new java.util.zip.GZIPOutputStream(Files.newOutputStream(p), 1 << 16))) {
            out.writeInt(0x0800 | shape.length);
            for (int s : shape) {
                out.writeInt(s);
            }
            byte[] block = new byte[1 << 16];
            for (long left = zeros; left > 0; left -= block.length) {
                out.write(block, 0, (int) Math.min(block.length, left));
            }
        }
    }

    @Test
    void aGzipTrailerThatLiesAllocatesNothingBig() throws IOException {
        Path p = dir.resolve("liar.gz");
        writeGzipped(p, new int[] {2_000_000_000}, 10);
        long honest = allocatedBy(() -> assertThatThrownBy(() -> Idx.read(p))
                .hasMessageContaining("ends after 10 of its 2000000000 data bytes"));
        assertThat(honest).isLessThan(8L << 20);
        // the trailer's ISIZE claims the 2 GB the header promises (the old reader believed it and allocated them)
        byte[] bytes = Files.readAllBytes(p);
        java.nio.ByteBuffer.wrap(bytes, bytes.length - 4, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt((int) (8 + 2_000_000_000L));
        Files.write(p, bytes);
        assertThat(bytes.length).isLessThan(64);
        long allocated = allocatedBy(() -> assertThatThrownBy(() -> Idx.read(p))
                .hasMessageContaining("after 10 data bytes"));
        assertThat(allocated).isLessThan(8L << 20);
    }

    @Test
    void aGzipBombIsReadOnlyAsFarAsTheHeaderAndTheLimitAllow() throws IOException {
        Path bomb = dir.resolve("bomb.gz");
        writeGzipped(bomb, new int[] {100_000, 28, 28}, 100_000L * 784);
        assertThat(Files.size(bomb)).isLessThan(200_000);
        long allocated = allocatedBy(() -> {
            Idx.Array a = Idx.read(bomb, 100);
            assertThat(a.shape()).containsExactly(100, 28, 28);
            assertThat(a.data()).hasSize(78_400);
        });
        assertThat(allocated).isLessThan(8L << 20);
        // more data than the header's sizes: refused after one byte past them, not read to the end
        Path more = dir.resolve("more.gz");
        writeGzipped(more, new int[] {10, 28, 28}, 50_000_000);
        long allocatedMore = allocatedBy(() -> assertThatThrownBy(() -> Idx.read(more))
                .hasMessageContaining("holds more data than its sizes [10, 28, 28]"));
        assertThat(allocatedMore).isLessThan(8L << 20);
        // a limit larger than the file reads it all
        SyntheticData.writeImageSet(dir, 30, 12, 4, true);
        assertThat(IdxImages.load(dir, IdxImages.Split.TRAIN, 7, 10).size()).isEqualTo(7);
        assertThat(IdxImages.load(dir, IdxImages.Split.TEST, 1000, 10).size()).isEqualTo(12);
    }
}
