package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.kiln.kernels.cpu.KernelCheck.Layout;
import static dev.kiln.kernels.cpu.KernelCheck.REF;
import static dev.kiln.kernels.cpu.KernelCheck.assertClose;
import static dev.kiln.kernels.cpu.KernelCheck.input;
import static dev.kiln.kernels.cpu.KernelCheck.poisoned;

/**
 * {@link DirectConv#forward} keeps a thread's padded planes between calls and clears them only when the
 * shape changes: a shape whose zeros lie where the last shape's input did must still see zeros. Its
 * stride-1 grid puts rows w + max(left, right padding) apart, narrower than the kernel's reach when the
 * input is narrow: the last tile's reads must stay inside the plane's zeros.
 */
class DirectConvForwardTest {

    @Test
    void planesLeftByAnotherShapeAreCleared() {
        var rng = new Generator(23);
        // padding 1 then 2 on the same 9×9 input: the second grid's border rows hold the first's input
        ConvShape a = new ConvShape(3, 5, 9, 9, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 9, 9);
        ConvShape b = new ConvShape(3, 5, 9, 9, 6, 3, 3, 1, 1, 2, 2, 1, 1, 1, 11, 11);
        int[] xShape = {3, 5, 9, 9};
        int[] wShape = {6, 5, 3, 3};
        Tensor x = input(KernelCheck.randn(rng, KernelCheck.numel(xShape), 1, 0), xShape, Layout.CONTIGUOUS);
        Tensor w = input(KernelCheck.randn(rng, KernelCheck.numel(wShape), 0.5, 0), wShape, Layout.CONTIGUOUS);
        int threads = CpuBackend.threads();
        try {
            CpuBackend.setThreads(1); // every sample on this thread's planes
            for (ConvShape s : new ConvShape[] {a, b, a, b}) {
                int[] yShape = {s.n(), s.cOut(), s.outH(), s.outW()};
                Tensor ref = poisoned(yShape);
                REF.conv2d(ref, x, w, null, s);
                Tensor y = poisoned(yShape);
                ConvDispatch.grid(y, x, w, null, s);
                assertClose("grid conv2d padding " + s.padH() + " after another shape", y, ref, 1e-5, 1e-5 * Math.sqrt(45));
            }
        } finally {
            CpuBackend.setThreads(threads);
        }
    }

    @Test
    void narrowRowsShareTheirZeros() {
        var rng = new Generator(29);
        ConvShape[] shapes = {
            // w 1, 5 × 5 padding 2: rows 3 apart, the kernel reaches 4 columns
            new ConvShape(2, 3, 3, 1, 4, 5, 5, 1, 1, 2, 2, 1, 1, 1, 3, 1),
            // dilation 2, padding 2 on 2 columns: rows 4 apart
            new ConvShape(2, 3, 5, 2, 9, 3, 3, 1, 1, 2, 2, 2, 2, 1, 5, 2),
            // padding 0 on the left and 2 read past the right (a transposed geometry's output size)
            new ConvShape(1, 2, 6, 5, 3, 3, 3, 1, 1, 1, 0, 1, 1, 1, 6, 5),
        };
        for (ConvShape s : shapes) {
            int[] xShape = {s.n(), s.cIn(), s.h(), s.w()};
            int[] wShape = {s.cOut(), s.cIn(), s.kH(), s.kW()};
            int[] yShape = {s.n(), s.cOut(), s.outH(), s.outW()};
            Tensor x = input(KernelCheck.randn(rng, KernelCheck.numel(xShape), 1, 0), xShape, Layout.OFFSET);
            Tensor w = input(KernelCheck.randn(rng, KernelCheck.numel(wShape), 0.5, 0), wShape, Layout.OFFSET);
            Tensor ref = poisoned(yShape);
            REF.conv2d(ref, x, w, null, s);
            Tensor y = poisoned(yShape);
            ConvDispatch.grid(y, x, w, null, s);
            assertClose("grid conv2d " + s, y, ref, 1e-5, 1e-5 * Math.sqrt(s.patch()));
        }
    }
}
