package dev.kiln.tensor;

/**
 * The windows of one 2-d pooling, resolved by {@link PoolOps}: input [n, c, h, w], output
 * [n, c, outH, outW]. Output row oh reads input rows hStart[oh], hStart[oh] + dilationH, ... while
 * below hEnd[oh] (columns alike); the bounds are already clipped to the input, and every window
 * holds at least one element. Average pooling divides by {@code divisor} when it is non-zero, else
 * by hCount[oh]·wCount[ow] (the window size with or without padding, as the op asked).
 */
public record PoolWindows(int n, int c, int h, int w, int outH, int outW, int[] hStart, int[] hEnd, int[] wStart,
                          int[] wEnd, int dilationH, int dilationW, int[] hCount, int[] wCount, int divisor) {

    /** The divisor of average pooling at output position (oh, ow). */
    public double divisorAt(int oh, int ow) {
        return divisor != 0 ? divisor : (double) hCount[oh] * wCount[ow];
    }
}
