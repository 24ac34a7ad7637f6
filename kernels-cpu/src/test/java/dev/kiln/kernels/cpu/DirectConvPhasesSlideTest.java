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
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link DirectConvPhasesSlide}: against the reference loop (rtol 1e-5, atol 1e-5·√terms) on every float of a
 * poisoned dx (its stores run 2 floats past a tile, rewritten later), dy and w at offsets: kiln train cnn's two
 * stride-2 layers, rows cut into overlapping 14-wide tiles, odd heights (no zero dy row read), batch 1, one dx row
 * pair, several blocks of dx channels and groups; the same bits on 1 and 2 threads; the shapes it refuses; and
 * the routing.
 */
class DirectConvPhasesSlideTest {
    private static ConvShape shape(int n, int cIn, int h, int w, int cOut, int groups) {
        return new ConvShape(n, cIn, h, w, cOut, 3, 3, 2, 2, 1, 1, 1, 1, groups, (h - 1) / 2 + 1, (w - 1) / 2 + 1);
    }

    private static final ConvShape[] SHAPES = {
        shape(3, 16, 28, 28, 32, 1),  // kiln train cnn's 16 -> 32 (3 samples)
        shape(2, 32, 14, 14, 64, 1),  // its 32 -> 64: two blocks of dx channels, one tile a row
        shape(1, 16, 13, 20, 5, 1),   // batch 1, odd height, 20-wide rows: 14 + an overlapping 14; 5 dy channels
        shape(2, 32, 9, 30, 6, 2),    // two groups of 16 (3 dy channels each), odd height, 30 = 14 + 14 + an overlapping 14
        shape(1, 16, 2, 14, 16, 1),   // one dy row: the odd dx row reads the zero row below it
        shape(1, 16, 1, 16, 7, 1),    // one dx row: only the last row's stores
    };

    @Test
    void matchesTheReferenceLoop() {
        assumeTrue(DirectConvPhasesSlide.applies(SHAPES[0]), "16-lane vectors only");
        var rng = new Generator(43);
        for (ConvShape s : SHAPES) {
            assertThat(DirectConvPhasesSlide.applies(s)).as("applies to %s", s).isTrue();
            int[] xShape = {s.n(), s.cIn(), s.h(), s.w()};
            int[] wShape = {s.cOut(), s.cInPerGroup(), 3, 3};
            int[] yShape = {s.n(), s.cOut(), s.outH(), s.outW()};
            Tensor w = input(KernelCheck.randn(rng, KernelCheck.numel(wShape), 0.5, 0), wShape, Layout.OFFSET);
            Tensor dy = input(KernelCheck.randn(rng, KernelCheck.numel(yShape), 1, 0), yShape, Layout.OFFSET);
            Tensor ref = poisoned(xShape);
            REF.conv2dBackwardInput(ref, dy, w, s);
            Tensor[] dx = new Tensor[2];
            int was = CpuBackend.threads();
            try {
                for (int t = 1; t <= 2; t++) {
                    CpuBackend.setThreads(t);
                    dx[t - 1] = poisoned(xShape);
                    DirectConvPhasesSlide.backwardInput(HostArrays.f(dx[t - 1]), dx[t - 1].offset(), HostArrays.f(dy),
                            dy.offset(), HostArrays.f(w), w.offset(), s);
                    String what = t + " thread(s), " + s;
                    assertWrittenExactly(what, dx[t - 1]);
                    assertClose(what, dx[t - 1], ref, 1e-5, 1e-5 * Math.sqrt(s.cOutPerGroup() * 9.0));
                }
            } finally {
                CpuBackend.setThreads(was);
            }
            assertThat(HostArrays.f(dx[1])).as("2 threads against 1, %s", s).isEqualTo(HostArrays.f(dx[0]));
        }
    }

    @Test
    void rejectsShapesItCannotCompute() {
        ConvShape stride1 = new ConvShape(1, 16, 28, 28, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 28, 28);
        ConvShape pad0 = new ConvShape(1, 16, 28, 28, 32, 3, 3, 2, 2, 0, 0, 1, 1, 1, 13, 13);
        ConvShape oddWidth = new ConvShape(1, 16, 28, 27, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1, 14, 14);
        ConvShape narrow = new ConvShape(1, 16, 12, 12, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1, 6, 6);
        ConvShape partial = new ConvShape(1, 8, 28, 28, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1, 14, 14);
        ConvShape extraRow = new ConvShape(1, 16, 28, 28, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1, 15, 14);
        for (ConvShape s : new ConvShape[] {stride1, pad0, oddWidth, narrow, partial, extraRow}) {
            assertThat(DirectConvPhasesSlide.applies(s)).as("applies to %s", s).isFalse();
            assertThatThrownBy(() -> DirectConvPhasesSlide.backwardInput(new float[1], 0, new float[1], 0,
                    new float[1], 0, s))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("DirectConvPhasesSlide.backwardInput").hasMessageContaining(s.toString());
        }
    }

    @Test
    void routesKilnTrainCnnsStrideTwoLayersWithThirtyTwoRegisters() {
        boolean on = Simd.ENABLED && Simd.F32.length() == 16 && DirectConvKernels.WIDE && DirectConvPhasesSlide.enabled
                && ConvDispatch.GRID;
        assertThat(ConvDispatch.phasesSlide(shape(128, 16, 28, 28, 32, 1))).as("16 -> 32").isEqualTo(on);
        assertThat(ConvDispatch.phasesSlide(shape(128, 32, 14, 14, 64, 1))).as("32 -> 64").isEqualTo(on);
        assertThat(ConvDispatch.phasesSlide(new ConvShape(128, 16, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 28, 28)))
                .as("stride 1").isFalse();
    }

    @Test
    void inputGradientThroughTheDispatchMatchesTheReference() {
        var rng = new Generator(47);
        ConvShape s = shape(3, 16, 15, 28, 32, 1);
        int[] xShape = {s.n(), s.cIn(), s.h(), s.w()};
        int[] wShape = {s.cOut(), s.cIn(), 3, 3};
        int[] yShape = {s.n(), s.cOut(), s.outH(), s.outW()};
        Tensor dy = input(KernelCheck.randn(rng, KernelCheck.numel(yShape), 1, 0), yShape, Layout.OFFSET);
        Tensor w = input(KernelCheck.randn(rng, KernelCheck.numel(wShape), 0.5, 0), wShape, Layout.OFFSET);
        Tensor ref = poisoned(xShape);
        REF.conv2dBackwardInput(ref, dy, w, s);
        Tensor dx = poisoned(xShape);
        ConvDispatch.conv2dBackwardInput(dx, dy, w, s);
        assertClose("input gradient " + s, dx, ref, 1e-5, 1e-5 * Math.sqrt(s.patch()));
    }
}
