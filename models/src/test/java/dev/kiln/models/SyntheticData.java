package dev.kiln.models;

import dev.kiln.tensor.Generator;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Small IDX files shaped like Fashion-MNIST, for tests that must not need the real data set. */
public final class SyntheticData {
    private SyntheticData() {
    }

    /** An IDX file of unsigned bytes. */
    public static void writeIdx(Path p, int[] shape, byte[] data, boolean gzip) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (DataOutputStream d = new DataOutputStream(buf)) {
            d.writeInt(0x0800 | shape.length);
            for (int s : shape) {
                d.writeInt(s);
            }
            d.write(data);
        }
        try (OutputStream o = gzip ? new GZIPOutputStream(Files.newOutputStream(p)) : Files.newOutputStream(p)) {
            o.write(buf.toByteArray());
        }
    }

    /**
     * Writes train/t10k images and labels: 28×28 images of 10 classes where class c lights
     * horizontal band c (rows 2c+3, 2c+4) over uniform noise, so a classifier learns it in a few steps.
     */
    public static void writeImageSet(Path dir, int nTrain, int nTest, long seed, boolean gzip) throws IOException {
        Files.createDirectories(dir);
        Generator rng = new Generator(seed);
        for (String split : new String[] {"train", "t10k"}) {
            int n = split.equals("train") ? nTrain : nTest;
            byte[] images = new byte[n * 784];
            byte[] labels = new byte[n];
            for (int i = 0; i < n; i++) {
                int c = rng.nextInt(10);
                labels[i] = (byte) c;
                for (int px = 0; px < 784; px++) {
                    int row = px / 28;
                    int v = rng.nextInt(90);
                    if (row == 2 * c + 3 || row == 2 * c + 4) {
                        v += 150;
                    }
                    images[i * 784 + px] = (byte) v;
                }
            }
            String gz = gzip ? ".gz" : "";
            writeIdx(dir.resolve(split + "-images-idx3-ubyte" + gz), new int[] {n, 28, 28}, images, gzip);
            writeIdx(dir.resolve(split + "-labels-idx1-ubyte" + gz), new int[] {n}, labels, gzip);
        }
    }
}
