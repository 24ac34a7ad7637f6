package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.kiln.kernels.cpu.KernelCheck.Layout;
import static dev.kiln.kernels.cpu.KernelCheck.REF;
import static dev.kiln.kernels.cpu.KernelCheck.assertClose;
import static dev.kiln.kernels.cpu.KernelCheck.assertWrittenExactly;
import static dev.kiln.kernels.cpu.KernelCheck.input;
import static dev.kiln.kernels.cpu.KernelCheck.poisoned;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link DirectConvPhases}' interleaved stores (both column phases of a stride-2 phase row into dx's rows by
 * vectors) against the phases stored one by one ({@link DirectConvPhases#pairedStores} off): the same bits, every
 * float of dx written (a poisoned buffer, dy and w at offsets), and within rtol 1e-5 + atol 1e-5·√(terms) of the
 * reference. Shapes: kiln train cnn's 16 → 32, rows wider than a vector (two vectors, the last masked), odd
 * heights, padding 0, a kernel 2 wide, strides 3 × 2 (phase rows no tap reaches), groups, a transposed
 * convolution's extra output row and column, and an odd width (stored one by one).
 */
class DirectConvPhasesTest {
    private static ConvShape shape(int n, int cIn, int h, int w, int cOut, int kH, int kW, int strideH, int strideW,
                                   int pad, int groups) {
        return new ConvShape(n, cIn, h, w, cOut, kH, kW, strideH, strideW, pad, pad, 1, 1, groups,
                (h + 2 * pad - kH) / strideH + 1, (w + 2 * pad - kW) / strideW + 1);
    }

    @Test
    void pairedStoresGiveTheBitsOfPhaseByPhase() {
        var rng = new Generator(31);
        ConvShape[] shapes = {
            shape(3, 16, 28, 28, 32, 3, 3, 2, 2, 1, 1),  // kiln train cnn's 16 -> 32
            shape(2, 5, 40, 40, 6, 3, 3, 2, 2, 1, 1),    // phase rows of 20: two vectors at AVX-512, three at AVX2
            shape(2, 9, 11, 12, 7, 3, 3, 2, 2, 0, 1),    // odd height, no padding, channels off a block of 8
            shape(2, 4, 10, 10, 3, 2, 2, 2, 2, 0, 1),    // a kernel 2 wide: one tap per phase
            shape(2, 6, 12, 10, 5, 2, 3, 3, 2, 1, 1),    // stride 3 down: phase rows no tap reaches
            shape(2, 8, 8, 14, 6, 3, 3, 2, 2, 1, 2),     // groups
            new ConvShape(2, 8, 10, 10, 8, 3, 3, 2, 2, 1, 1, 1, 1, 1, 6, 6), // a transposed convolution's extra row
            shape(2, 8, 9, 9, 8, 3, 3, 2, 2, 1, 1),      // odd width: not paired
        };
        boolean was = DirectConvPhases.pairedStores;
        try {
            for (ConvShape s : shapes) {
                int[] xShape = {s.n(), s.cIn(), s.h(), s.w()};
                int[] wShape = {s.cOut(), s.cInPerGroup(), s.kH(), s.kW()};
                int[] yShape = {s.n(), s.cOut(), s.outH(), s.outW()};
                Tensor w = input(KernelCheck.randn(rng, KernelCheck.numel(wShape), 0.5, 0), wShape, Layout.OFFSET);
                Tensor dy = input(KernelCheck.randn(rng, KernelCheck.numel(yShape), 1, 0), yShape, Layout.OFFSET);
                Tensor ref = poisoned(xShape);
                REF.conv2dBackwardInput(ref, dy, w, s);
                Tensor[] dx = new Tensor[2];
                for (int paired = 0; paired < 2; paired++) {
                    DirectConvPhases.pairedStores = paired == 1;
                    dx[paired] = poisoned(xShape);
                    DirectConvPhases.backwardInput(HostArrays.f(dx[paired]), dx[paired].offset(), HostArrays.f(dy),
                            dy.offset(), HostArrays.f(w), w.offset(), s);
                    String what = (paired == 1 ? "paired " : "phase by phase ") + s;
                    assertWrittenExactly(what, dx[paired]);
                    assertClose(what, dx[paired], ref, 1e-5, 1e-5 * Math.sqrt((double) s.cOutPerGroup() * s.kH() * s.kW()));
                }
                assertThat(HostArrays.f(dx[1])).as("paired against phase by phase, %s", s).isEqualTo(HostArrays.f(dx[0]));
            }
        } finally {
            DirectConvPhases.pairedStores = was;
        }
    }
}
