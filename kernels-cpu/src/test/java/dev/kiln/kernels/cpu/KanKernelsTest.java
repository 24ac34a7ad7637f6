package dev.kiln.kernels.cpu;

import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.Backends;
import dev.kiln.tensor.spi.CpuStorage;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.spi.ReferenceBackend;
import dev.kiln.tensor.Splines;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Vector API B-spline basis against the reference's Cox–de Boor loops: values, dB/dx and the
 * backward, for orders 0 to 5 on uniform, irregular and repeated-knot grids, with inputs inside,
 * outside, exactly on knots, NaN and infinite, at row counts around the vector width (the
 * vector blocks and the scalar tail) and large enough to go multi-threaded.
 */
class KanKernelsTest {
    private static final Backend CPU = new CpuBackend();
    private static final Backend REF = ReferenceBackend.INSTANCE;
    private static final int L = Simd.F32.length();

    enum Knots { UNIFORM, IRREGULAR, REPEATED }

    /** grid [in, G + 2k + 1] as F32. */
    static Tensor grid(Generator rng, Knots kind, int in, int g, int k) {
        int knots = g + 2 * k + 1;
        float[] v = new float[in * knots];
        for (int i = 0; i < in; i++) {
            double lo = -1 - rng.nextDouble();
            double h = (1 + rng.nextDouble()) / g;
            double t = lo - k * h;
            for (int j = 0; j < knots; j++) {
                v[i * knots + j] = (float) t;
                double step = switch (kind) {
                    case UNIFORM -> h;
                    case IRREGULAR -> h * (0.2 + 1.6 * rng.nextDouble());
                    case REPEATED -> j % 3 == 1 ? 0 : h;
                };
                t += step;
            }
        }
        return Tensor.of(v, in, knots);
    }

    /** x [rows, in]: mostly spread over the grid and a margin, some on knots, a few NaN and infinite. */
    static Tensor inputs(Generator rng, Tensor grid, int rows, boolean special) {
        int in = grid.size(0);
        int knots = grid.size(1);
        float[] t = grid.toFloatArray();
        float[] v = new float[rows * in];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < in; i++) {
                float lo = t[i * knots];
                float hi = t[i * knots + knots - 1];
                double u = rng.nextDouble();
                float x;
                if (special && u < 0.1) {
                    x = t[i * knots + rng.nextInt(knots)]; // exactly on a knot (the last one is outside)
                } else if (special && u < 0.13) {
                    x = Float.NaN;
                } else if (special && u < 0.15) {
                    x = rng.nextDouble() < 0.5 ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
                } else {
                    x = (float) (lo - 0.3 + (hi - lo + 0.6) * rng.nextDouble());
                }
                v[r * in + i] = x;
            }
        }
        return Tensor.of(v, rows, in);
    }

    @Test
    void valuesAndDerivativesMatchTheReference() {
        Generator rng = new Generator(11);
        int[] rowCounts = {0, 1, 3, L - 1, L, L + 1, 2 * L + 5, 100};
        int cases = 0;
        for (Knots kind : Knots.values()) {
            for (int order = 0; order <= 5; order++) {
                for (int g : new int[] {1, 3, 10}) {
                    for (int in : new int[] {1, 2, 5}) {
                        int rows = rowCounts[(cases++) % rowCounts.length];
                        Tensor grid = grid(rng, kind, in, g, order);
                        Tensor x = inputs(rng, grid, rows, true);
                        compare(kind + " order " + order + " G " + g + " in " + in + " rows " + rows, x, grid, order);
                    }
                }
            }
        }
    }

    @Test
    void largeBatchesGoMultiThreadedAndStillMatch() {
        Generator rng = new Generator(12);
        Tensor grid = grid(rng, Knots.IRREGULAR, 7, 8, 3);
        compare("large", inputs(rng, grid, 1500, true), grid, 3);
        Tensor wide = grid(rng, Knots.UNIFORM, 300, 5, 3);
        compare("wide", inputs(rng, wide, 65, false), wide, 3);
    }

    private static void compare(String what, Tensor x, Tensor grid, int order) {
        int rows = x.size(0);
        int in = x.size(1);
        int n = grid.size(1) - 1 - order;
        Tensor[] ref = run(REF, x, grid, order, rows, in, n);
        Tensor[] cpu = run(CPU, x, grid, order, rows, in, n);
        assertClose(what + " values", cpu[0], ref[0], 2e-6);
        assertClose(what + " derivative", cpu[1], ref[1], 2e-6);
        // the backward row-dot, on a random upstream gradient (NaN rows excluded: NaN·0 stays NaN in both)
        Tensor dy = Tensor.randn(new Generator(rows * 31L + in), rows, in, n);
        Tensor d = ref[1].isnan().any().item() != 0 ? Tensor.where(ref[1].isnan(), 0.0, ref[1]) : ref[1];
        Tensor dxRef = Tensor.zeros(rows, in);
        Tensor dxCpu = Tensor.zeros(rows, in);
        REF.bsplineBasisBackward(dxRef, dy, d);
        CPU.bsplineBasisBackward(dxCpu, dy, d);
        assertClose(what + " backward", dxCpu, dxRef, 2e-6);
    }

    /** {values, derivative} from one backend, with outputs inside padded buffers whose pads must survive. */
    private static Tensor[] run(Backend b, Tensor x, Tensor grid, int order, int rows, int in, int n) {
        int size = rows * in * n;
        int pad = 7;
        float[] vals = new float[size + 2 * pad];
        float[] ders = new float[size + 2 * pad];
        Arrays.fill(vals, 0, pad, 42f);
        Arrays.fill(vals, pad + size, vals.length, 42f);
        Arrays.fill(ders, 0, pad, 42f);
        Arrays.fill(ders, pad + size, ders.length, 42f);
        int[] shape = {rows, in, n};
        int[] strides = {in * n, n, 1};
        Tensor out = Tensor.fromStorage(CpuStorage.wrap(vals), shape, strides, pad);
        Tensor der = Tensor.fromStorage(CpuStorage.wrap(ders), shape, strides, pad);
        b.bsplineBasis(out, der, x, grid, order);
        for (float[] buf : new float[][] {vals, ders}) {
            for (int i = 0; i < pad; i++) {
                assertThat(buf[i]).as(b.name() + " wrote before its output").isEqualTo(42f);
                assertThat(buf[pad + size + i]).as(b.name() + " wrote after its output").isEqualTo(42f);
            }
        }
        return new Tensor[] {out.clone(), der.clone()};
    }

    /** |a − b| ≤ tol·max(1, |b|) everywhere, NaN exactly where the reference has NaN. */
    static void assertClose(String what, Tensor actual, Tensor expected, double tol) {
        assertThat(actual.shape()).isEqualTo(expected.shape());
        float[] a = actual.toFloatArray();
        float[] e = expected.toFloatArray();
        for (int i = 0; i < e.length; i++) {
            if (Float.isNaN(e[i])) {
                assertThat(a[i]).as(what + " at " + i + " (NaN expected)").isNaN();
                continue;
            }
            double err = Math.abs(a[i] - e[i]);
            assertThat(err).as(what + " at " + i + ": " + a[i] + " vs " + e[i]).isLessThanOrEqualTo(tol * Math.max(1, Math.abs(e[i])));
        }
    }

    @Test
    void throughThePublicOpAndAutogradTheBackendsAgree() {
        Generator rng = new Generator(13);
        Tensor grid = grid(rng, Knots.IRREGULAR, 4, 6, 3);
        Tensor x = inputs(rng, grid, 2 * L + 3, false);
        Tensor[] grads = new Tensor[2];
        Tensor[] outs = new Tensor[2];
        Backend[] backends = {REF, CPU};
        Tensor w = Tensor.randn(rng, 2 * L + 3, 4, 9);
        for (int b = 0; b < 2; b++) {
            try (var scope = Backends.use(backends[b])) {
                Tensor leaf = x.detach().requiresGrad(true);
                Tensor y = Splines.bsplineBasis(leaf, grid, 3);
                y.mul(w).sum().backward();
                outs[b] = y.detach();
                grads[b] = leaf.grad();
            }
        }
        assertClose("public values", outs[1], outs[0], 2e-6);
        assertClose("public grad", grads[1], grads[0], 2e-5);
        assertThat(grads[0].abs().sum().item()).isGreaterThan(0);
    }

    @Test
    void f64GoesToTheReferenceLoops() {
        Generator rng = new Generator(14);
        Tensor grid = grid(rng, Knots.UNIFORM, 2, 5, 3).to(DType.F64);
        Tensor x = inputs(rng, grid.to(DType.F32), 9, true).to(DType.F64);
        Tensor a;
        Tensor b;
        try (var scope = Backends.use(CPU)) {
            a = Splines.bsplineBasis(x, grid, 3);
        }
        try (var scope = Backends.use(REF)) {
            b = Splines.bsplineBasis(x, grid, 3);
        }
        assertThat(a.toDoubleArray()).containsExactly(b.toDoubleArray());
    }
}
