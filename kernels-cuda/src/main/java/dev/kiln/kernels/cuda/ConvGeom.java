package dev.kiln.kernels.cuda;

import dev.kiln.tensor.ConvShape;

/**
 * The {@code ConvGeom} struct of conv.cu: a {@link ConvShape} for a chunk of {@code n} samples,
 * and the strides in elements of the column buffer over (sample, group, patch row, output
 * position), which pick the layout im2col writes and col2im reads.
 */
final class ConvGeom {
    static final int INTS = 20;

    private ConvGeom() {
    }

    static int[] pack(ConvShape s, int n, int colN, int colG, int colR, int colL) {
        return new int[] {n, s.cIn(), s.h(), s.w(), s.groups(), s.cInPerGroup(), s.kH(), s.kW(), s.strideH(),
            s.strideW(), s.padH(), s.padW(), s.dilationH(), s.dilationW(), s.outH(), s.outW(), colN, colG, colR, colL};
    }
}
