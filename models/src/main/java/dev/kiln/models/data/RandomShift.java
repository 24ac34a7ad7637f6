package dev.kiln.models.data;

import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

/**
 * Image augmentation for another source's batches of flat [N, C·H·W] (or [N, C, H, W]) images:
 * each image moves by a random whole number of pixels in −shift..shift along each axis, the
 * uncovered border zero (torchvision's RandomCrop(size, padding=shift)), and with {@code flip}
 * is mirrored left-right with probability ½. Step s draws from a generator seeded with
 * (seed, s), so the source stays a pure function of the step.
 */
public final class RandomShift implements BatchSource {
    private final BatchSource source;
    private final int channels;
    private final int height;
    private final int width;
    private final int shift;
    private final boolean flip;
    private final long seed;

    public RandomShift(BatchSource source, int channels, int height, int width, int shift, boolean flip, long seed) {
        if (channels < 1 || height < 1 || width < 1 || shift < 0) {
            throw new IllegalArgumentException("RandomShift: channels, height, width must be >= 1 and shift >= 0, got "
                    + channels + ", " + height + ", " + width + ", " + shift);
        }
        this.source = source;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.shift = shift;
        this.flip = flip;
        this.seed = seed;
    }

    @Override
    public Batch batch(long step) {
        Batch b = source.batch(step);
        if (shift == 0 && !flip) {
            return b;
        }
        int plane = height * width;
        int per = channels * plane;
        if (b.input().numel() != (long) b.size() * per) {
            throw new IllegalArgumentException("RandomShift: expected images of " + channels + "x" + height + "x" + width
                    + ", got a batch of shape " + java.util.Arrays.toString(b.input().shape()));
        }
        Generator rng = new Generator((seed ^ 0x5DEECE66DL) * 0x9E3779B97F4A7C15L + step);
        float[] x = b.input().contiguous().toFloatArray();
        float[] y = new float[x.length];
        for (int i = 0; i < b.size(); i++) {
            int dy = shift == 0 ? 0 : (int) rng.nextInt(2 * shift + 1) - shift;
            int dx = shift == 0 ? 0 : (int) rng.nextInt(2 * shift + 1) - shift;
            boolean mirror = flip && rng.nextDouble() < 0.5;
            for (int c = 0; c < channels; c++) {
                int base = i * per + c * plane;
                for (int r = 0; r < height; r++) {
                    int sr = r - dy;
                    if (sr < 0 || sr >= height) {
                        continue;
                    }
                    for (int col = 0; col < width; col++) {
                        int sc = (mirror ? width - 1 - col : col) - dx;
                        if (sc >= 0 && sc < width) {
                            y[base + r * width + col] = x[base + sr * width + sc];
                        }
                    }
                }
            }
        }
        return new Batch(Tensor.wrap(y, b.input().shape()), b.target());
    }

    @Override
    public long stepsPerEpoch() {
        return source.stepsPerEpoch();
    }

    @Override
    public long itemsPerBatch(Batch b) {
        return source.itemsPerBatch(b);
    }
}
