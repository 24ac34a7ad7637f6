package dev.kiln.tensor;

/**
 * The windows of one 3-d pooling, resolved by {@link Pool3dOps}: input [n, c, d, h, w], output
 * [n, c, outD, outH, outW]. Output slice od reads input slices dStart[od], dStart[od] + dilationD, ...
 * while below dEnd[od] (rows and columns alike); the bounds are already clipped to the input, and
 * every window holds at least one element. Average pooling divides by {@code divisor} when it is
 * non-zero, else by dCount[od]·hCount[oh]·wCount[ow] (the window size with or without padding, as
 * the op asked).
 */
public record PoolWindows3d(int n, int c, int d, int h, int w, int outD, int outH, int outW,
                            int[] dStart, int[] dEnd, int[] hStart, int[] hEnd, int[] wStart, int[] wEnd,
                            int dilationD, int dilationH, int dilationW, int[] dCount, int[] hCount, int[] wCount,
                            int divisor) {

    /** The divisor of average pooling at output position (od, oh, ow). */
    public double divisorAt(int od, int oh, int ow) {
        return divisor != 0 ? divisor : (double) dCount[od] * hCount[oh] * wCount[ow];
    }

    /** Input elements per (sample, channel) volume. */
    public int volume() {
        return d * h * w;
    }

    /** Output elements per (sample, channel) volume. */
    public int outVolume() {
        return outD * outH * outW;
    }
}
