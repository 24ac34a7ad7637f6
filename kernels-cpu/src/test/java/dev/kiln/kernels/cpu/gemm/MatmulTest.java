package dev.kiln.kernels.cpu.gemm;

import dev.kiln.kernels.cpu.CpuBackend;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.spi.ReferenceBackend;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * CpuBackend.matmul against ReferenceBackend.matmul on tensors: transposed and sliced views, batched,
 * broadcast-batched (stride-0 batches on either side), many small batches, F32 and F64. The output is
 * poisoned with NaN before each call; every element must be replaced. Tolerance as in {@link SgemmTest}:
 * 2·k·u·Σ|a||b| per element (u = 2⁻²⁴ for F32, 2⁻⁵³ for F64), with Σ|a||b| from the reference on |a|, |b|.
 */
class MatmulTest {
    private static final CpuBackend CPU = new CpuBackend();
    private static final ReferenceBackend REF = ReferenceBackend.INSTANCE;

    @Test
    void plain2d() {
        Generator g = new Generator(1);
        check(Tensor.randn(g, 37, 53), Tensor.randn(g, 53, 29));
        check(Tensor.randn(g, 1, 7), Tensor.randn(g, 7, 1));
        check(Tensor.randn(g, 200, 300), Tensor.randn(g, 300, 70));
    }

    @Test
    void everyTransposeCombinationThroughViews() {
        Generator g = new Generator(2);
        Tensor a = Tensor.randn(g, 45, 33);
        Tensor at = Tensor.randn(g, 33, 45).t();
        Tensor b = Tensor.randn(g, 33, 61);
        Tensor bt = Tensor.randn(g, 61, 33).t();
        for (Tensor x : new Tensor[] {a, at}) {
            for (Tensor y : new Tensor[] {b, bt}) {
                check(x, y);
            }
        }
    }

    @Test
    void slicedAndSteppedViews() {
        Generator g = new Generator(3);
        Tensor big = Tensor.randn(g, 70, 90);
        Tensor a = big.narrow(0, 3, 41).narrow(1, 5, 26);             // row stride 90
        Tensor b = big.slice(0, 1, 53, 2).slice(1, 7, 90, 3);         // strides 180 and 3
        check(a, b);
        check(b.t(), a.t());
    }

    @Test
    void batchedAndBroadcastBatched() {
        Generator g = new Generator(4);
        check(Tensor.randn(g, 2, 3, 13, 17), Tensor.randn(g, 2, 3, 17, 19));
        check(Tensor.randn(g, 4, 25, 31), Tensor.randn(g, 31, 40));                 // shared b: one tall product
        check(Tensor.randn(g, 4, 31, 25).transpose(1, 2), Tensor.randn(g, 31, 40));  // shared b, a not stackable
        check(Tensor.randn(g, 25, 31), Tensor.randn(g, 4, 31, 40));                 // shared a
        check(Tensor.randn(g, 2, 1, 9, 11), Tensor.randn(g, 1, 3, 11, 6));          // both broadcast
        check(Tensor.randn(g, 3, 1, 11).expand(3, 7, 11), Tensor.randn(g, 11, 5));  // stride-0 rows
        check(Tensor.randn(g, 2, 3, 40, 50).transpose(0, 1), Tensor.randn(g, 3, 2, 60, 50).transpose(2, 3));
    }

    @Test
    void manySmallBatchesAndFewLargeOnes() {
        Generator g = new Generator(5);
        check(Tensor.randn(g, 300, 5, 7), Tensor.randn(g, 300, 7, 3));
        check(Tensor.randn(g, 2, 150, 140), Tensor.randn(g, 2, 140, 130));
    }

    @Test
    void emptyAndDegenerateSizes() {
        Generator g = new Generator(6);
        check(Tensor.randn(g, 0, 4), Tensor.randn(g, 4, 3));
        check(Tensor.randn(g, 4, 0), Tensor.randn(g, 0, 3));   // k = 0: all zeros
        check(Tensor.randn(g, 4, 5), Tensor.randn(g, 5, 0));
        check(Tensor.randn(g, 0, 4, 5), Tensor.randn(g, 0, 5, 2));
        check(Tensor.randn(g, 1, 1), Tensor.randn(g, 1, 1));
    }

    @Test
    void float64() {
        Generator g = new Generator(7);
        check(Tensor.randn(g, 23, 41).to(DType.F64), Tensor.randn(g, 41, 37).to(DType.F64));
        check(Tensor.randn(g, 41, 23).to(DType.F64).t(), Tensor.randn(g, 37, 41).to(DType.F64).t());
        check(Tensor.randn(g, 3, 9, 14).to(DType.F64), Tensor.randn(g, 14, 6).to(DType.F64));
        check(Tensor.randn(g, 130, 120).to(DType.F64), Tensor.randn(g, 120, 140).to(DType.F64));
    }

    @Test
    void publicMatmulRunsOnTheCpuBackendAndAgreesWithTheReference() {
        Generator g = new Generator(8);
        Tensor a = Tensor.randn(g, 5, 6, 7);
        Tensor b = Tensor.randn(g, 7);
        Tensor got = a.matmul(b);
        assertThat(got.shape()).containsExactly(5, 6);
        Tensor want = Tensor.zeros(5, 6, 1);
        REF.matmul(want, a, b.unsqueeze(-1).expand(5, 7, 1));
        assertThat(got.allClose(want.squeeze(-1), 1e-5, 1e-5)).isTrue();
    }

    @Test
    void gradientsThroughTheCpuBackendPassAFiniteDifferenceCheck() {
        // F64 forward and backward (a transposed view and a broadcast batch) all run on Dgemm here
        assertThat(dev.kiln.tensor.Backends.forDevice(dev.kiln.tensor.Device.CPU).name()).isEqualTo("cpu");
        Generator g = new Generator(9);
        Tensor a = Tensor.randn(g, 2, 7, 5).to(DType.F64).requiresGrad(true);
        Tensor w = Tensor.randn(g, 6, 5).to(DType.F64).requiresGrad(true);
        dev.kiln.autograd.GradCheck.assertGradients(t -> t[0].matmul(t[1].t()).tanh().sum(), a, w);
    }

    /** Expands a and b as tensor's matmul does, then runs both backends on NaN-poisoned outputs. */
    private static void check(Tensor a, Tensor b) {
        int[] batchA = Arrays.copyOf(a.shape(), a.dim() - 2);
        int[] batchB = Arrays.copyOf(b.shape(), b.dim() - 2);
        int rank = Math.max(batchA.length, batchB.length);
        int[] batch = new int[rank];
        for (int d = 0; d < rank; d++) {
            int x = d - (rank - batchA.length) >= 0 ? batchA[d - (rank - batchA.length)] : 1;
            int y = d - (rank - batchB.length) >= 0 ? batchB[d - (rank - batchB.length)] : 1;
            batch[d] = x == 1 ? y : x;
        }
        int m = a.size(-2);
        int k = a.size(-1);
        int n = b.size(-1);
        Tensor ae = a.expand(concat(batch, m, k));
        Tensor be = b.expand(concat(batch, k, n));
        int[] outShape = concat(batch, m, n);
        Tensor got = Tensor.full(Double.NaN, a.dtype(), outShape);
        Tensor want = Tensor.full(Double.NaN, a.dtype(), outShape);
        Tensor mag = Tensor.full(Double.NaN, DType.F64, outShape);
        CPU.matmul(got, ae, be);
        REF.matmul(want, ae, be);
        REF.matmul(mag, ae.abs().to(DType.F64), be.abs().to(DType.F64));
        double u = a.dtype() == DType.F64 ? Math.ulp(1.0) / 2 : Math.ulp(1f) / 2;
        double[] g = got.toDoubleArray();
        double[] w = want.toDoubleArray();
        double[] s = mag.toDoubleArray();
        for (int i = 0; i < g.length; i++) {
            // the reference rounds its double sum to the output dtype once: allow that rounding too
            double tol = 2.0 * Math.max(k, 1) * u * s[i] + u * Math.abs(w[i]) + 1e-30;
            if (!(Math.abs(g[i] - w[i]) <= tol)) {
                fail("%s · %s (strides %s · %s): element %d is %s, reference %s (tolerance %s)",
                        Arrays.toString(ae.shape()), Arrays.toString(be.shape()), Arrays.toString(ae.strides()),
                        Arrays.toString(be.strides()), i, g[i], w[i], tol);
            }
        }
    }

    private static int[] concat(int[] batch, int r, int c) {
        int[] s = Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = r;
        s[batch.length + 1] = c;
        return s;
    }
}
