package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static dev.kiln.kernels.cpu.KernelCheck.REF;
import static dev.kiln.kernels.cpu.KernelCheck.assertClose;
import static dev.kiln.kernels.cpu.KernelCheck.assertWrittenExactly;
import static dev.kiln.kernels.cpu.KernelCheck.input;
import static dev.kiln.kernels.cpu.KernelCheck.poisoned;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link DirectConvWeightStem}: against the reference loop on odd sizes, padding 0 to 3, batch 1, groups, 3×3 to 7×7
 * kernels (and a dilated one), planes that are and are not whole vectors (the masked last vector) or narrower than
 * one, out-channel counts that leave half a tile, tap counts that leave columns of a tile to spare, chunks of samples
 * with a shorter last one; weights poisoned first, so one left unwritten shows; the same bits on 1, 2 and 3 threads;
 * and where {@link ConvDispatch} routes it.
 */
class DirectConvWeightStemTest {

    /** {n, cIn, h, w, cOut, groups, k, pad, dilation}: stride 1. */
    private static final int[][] SHAPES = {
        {5, 1, 28, 28, 16, 1, 3, 1, 1},   // kiln train cnn's stem (784 positions: whole vectors), two chunks
        {1, 3, 32, 32, 32, 1, 3, 1, 1},   // an RGB stem, batch 1: 27 taps, three tiles of 9 columns
        {2, 1, 9, 11, 7, 1, 3, 0, 1},     // no padding, odd sizes, 7 out channels: the last tile half empty
        {1, 2, 13, 17, 5, 1, 5, 2, 1},    // 5×5, padding 2: 50 taps, columns to spare
        {2, 3, 19, 23, 8, 1, 7, 3, 1},    // 7×7, padding 3
        {3, 4, 6, 7, 4, 1, 3, 1, 1},      // a plane narrower than a vector (masked), 4 input channels
        {1, 1, 5, 5, 3, 1, 3, 2, 1},      // padding 2: outputs whose taps all read padding
        {2, 4, 10, 21, 12, 2, 3, 1, 1},   // two groups of 2 → 6
        {1, 1, 12, 18, 7, 1, 3, 2, 2},    // dilation 2
        {1, 2, 4, 40, 9, 1, 5, 3, 1},     // padding 3 with a 5×5: outputs 6 × 42
        {1, 1, 1, 16, 4, 1, 3, 1, 1},     // one input row
        {300, 1, 5, 6, 3, 1, 3, 1, 1},    // 300 samples: 60 chunks of 5
        {9, 3, 7, 7, 2, 1, 3, 3, 1},      // padding 3 on 7 × 7 (outputs 11 × 11), three chunks, the last of one
    };

    private static ConvShape shape(int[] g) {
        int k = g[6];
        int pad = g[7];
        int d = g[8];
        return new ConvShape(g[0], g[1], g[2], g[3], g[4], k, k, 1, 1, pad, pad, d, d, g[5],
                g[2] + 2 * pad - d * (k - 1), g[3] + 2 * pad - d * (k - 1));
    }

    private record Operands(ConvShape s, Tensor x, Tensor dy, int[] wShape) {
    }

    private static Operands operands(Generator rng, ConvShape s) {
        int[] xShape = {s.n(), s.cIn(), s.h(), s.w()};
        int[] yShape = {s.n(), s.cOut(), s.outH(), s.outW()};
        Tensor x = input(KernelCheck.randn(rng, KernelCheck.numel(xShape), 1, 0), xShape, KernelCheck.Layout.OFFSET);
        Tensor dy = input(KernelCheck.randn(rng, KernelCheck.numel(yShape), 1, 0), yShape, KernelCheck.Layout.OFFSET);
        return new Operands(s, x, dy, new int[] {s.cOut(), s.cInPerGroup(), s.kH(), s.kW()});
    }

    private static Tensor run(Operands o) {
        Tensor dw = poisoned(o.wShape());
        DirectConvWeightStem.weight(HostArrays.f(dw), dw.offset(), HostArrays.f(o.dy()), o.dy().offset(),
                HostArrays.f(o.x()), o.x().offset(), o.s());
        return dw;
    }

    @Test
    void matchesTheReferenceLoop() {
        assumeTrue(Simd.ENABLED, "vector tiles only");
        var rng = new Generator(53);
        for (int[] g : SHAPES) {
            ConvShape s = shape(g);
            assertThat(DirectConvWeightStem.applies(s)).as("applies to %s", s).isTrue();
            Operands o = operands(rng, s);
            Tensor ref = poisoned(o.wShape());
            REF.conv2dBackwardWeight(ref, o.dy(), o.x(), s);
            boolean before = DirectConvWeightStem.wholePlanes;
            try {
                // the shifted copies a plane at a time where rows are as wide as the input's, and row by row
                for (boolean planes : new boolean[] {true, false}) {
                    DirectConvWeightStem.wholePlanes = planes;
                    Tensor dw = run(o);
                    String what = "stem weight grad " + s + (planes ? ", whole planes" : ", rows");
                    assertWrittenExactly(what, dw);
                    assertClose(what, dw, ref, 1e-5, 1e-5 * Math.sqrt((double) s.n() * s.outH() * s.outW()));
                }
            } finally {
                DirectConvWeightStem.wholePlanes = before;
            }
        }
    }

    @Test
    void sameBitsOnAnyThreadCount() {
        assumeTrue(Simd.ENABLED, "vector tiles only");
        var rng = new Generator(59);
        int before = Parallel.threads();
        try {
            for (int[] g : SHAPES) {
                Operands o = operands(rng, shape(g));
                float[] one = null;
                for (int threads : new int[] {1, 2, 3}) {
                    Parallel.setThreads(threads);
                    Tensor dw = run(o);
                    float[] got = Arrays.copyOfRange(HostArrays.f(dw), dw.offset(),
                            dw.offset() + KernelCheck.numel(o.wShape()));
                    if (one == null) {
                        one = got;
                    } else {
                        assertThat(got).as("%s on %d threads vs 1", o.s(), threads).containsExactly(one);
                    }
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void rejectsShapesItCannotCompute() {
        ConvShape strided = new ConvShape(1, 1, 28, 28, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1, 14, 14);
        ConvShape wide = new ConvShape(1, 5, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 28, 28);
        ConvShape cropped = new ConvShape(1, 1, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 27, 28);
        for (ConvShape s : new ConvShape[] {strided, wide, cropped}) {
            assertThat(DirectConvWeightStem.applies(s)).as("applies to %s", s).isFalse();
            assertThatThrownBy(() -> DirectConvWeightStem.weight(new float[1], 0, new float[1], 0, new float[1], 0, s))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("DirectConvWeightStem.weight").hasMessageContaining(s.toString());
        }
    }

    @Test
    void routesTheStemsWeightGradient() {
        ConvShape stem = new ConvShape(128, 1, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 28, 28);
        ConvShape cnn = new ConvShape(128, 16, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 28, 28);
        ConvShape strided = new ConvShape(128, 1, 28, 28, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1, 14, 14);
        boolean on = Simd.ENABLED && ConvDispatch.GRID && DirectConvWeightStem.enabled;
        assertThat(DirectConvWeightStem.routes(stem)).as("the stem, 1 → 16").isEqualTo(on);
        assertThat(DirectConvWeightStem.routes(cnn)).as("16 → 16").isFalse();
        assertThat(DirectConvWeightStem.routes(strided)).as("stride 2").isFalse();
        if (on) {
            // through the dispatcher, against the reference loop
            var rng = new Generator(61);
            ConvShape s = new ConvShape(3, 1, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 28, 28);
            Operands o = operands(rng, s);
            Tensor ref = poisoned(o.wShape());
            REF.conv2dBackwardWeight(ref, o.dy(), o.x(), s);
            Tensor dw = poisoned(o.wShape());
            ConvDispatch.conv2dBackwardWeight(dw, o.dy(), o.x(), s);
            assertWrittenExactly("dispatched stem weight grad", dw);
            assertClose("dispatched stem weight grad " + s, dw, ref, 1e-5, 1e-5 * Math.sqrt(3.0 * 28 * 28));
        }
    }
}
