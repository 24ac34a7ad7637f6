package dev.kiln.tensor;

/**
 * The geometry of one 2-d convolution, resolved and checked by {@link ConvOps}: input x
 * [n, cIn, h, w], weight [cOut, cIn/groups, kH, kW], output [n, cOut, outH, outW]. Output position
 * (oh, ow) reads input row oh·strideH − padH + i·dilationH for kernel row i (columns alike); a row
 * or column outside the input reads zero. padH and padW are the top and left padding; the bottom
 * and right padding (which "same" may make one larger) only shows in outH and outW.
 */
public record ConvShape(int n, int cIn, int h, int w, int cOut, int kH, int kW, int strideH, int strideW,
                        int padH, int padW, int dilationH, int dilationW, int groups, int outH, int outW) {

    /** Input channels each output channel reads (the weight's dim 1). */
    public int cInPerGroup() {
        return cIn / groups;
    }

    /** Output channels per group. */
    public int cOutPerGroup() {
        return cOut / groups;
    }

    /** Rows of the im2col matrix of one group: cIn/groups · kH · kW. */
    public int patch() {
        return cInPerGroup() * kH * kW;
    }
}
