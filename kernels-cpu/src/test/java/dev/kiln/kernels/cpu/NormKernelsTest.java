package dev.kiln.kernels.cpu;

import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.kiln.kernels.cpu.KernelCheck.CPU;
import static dev.kiln.kernels.cpu.KernelCheck.Layout;
import static dev.kiln.kernels.cpu.KernelCheck.REF;
import static dev.kiln.kernels.cpu.KernelCheck.assertClose;
import static dev.kiln.kernels.cpu.KernelCheck.assertWrittenExactly;
import static dev.kiln.kernels.cpu.KernelCheck.input;
import static dev.kiln.kernels.cpu.KernelCheck.poisoned;

/**
 * LayerNorm and RMSNorm forward and backward against the reference, with and without the affine
 * parameters. Inputs have a mean far from 0 (x = 5 + 2·N(0, 1)) so a one-pass variance would
 * fail. Error bounds: outputs rtol 1e-5 + atol 1e-5; mean rtol 1e-6 + atol 1e-6; rstd rtol 1e-5;
 * dx rtol 1e-4 + atol 1e-5; dweight and dbias (sums over rows) rtol 1e-5 + atol 1e-5·rows.
 */
class NormKernelsTest {

    static final int[][] CASES = {{1, 1}, {1, 2}, {3, 7}, {4, 16}, {5, 17}, {2, 33}, {7, 100}, {1, 1000}, {0, 8},
        {257, 31}, {64, 768}, {1000, 65}};

    @Test
    void layerNormForwardAndBackwardMatchReference() {
        var rng = new Generator(31);
        for (int[] c : CASES) {
            if (KernelCheck.skipLarge(c)) {
                continue;
            }
            int rows = c[0];
            int d = c[1];
            Tensor x = input(KernelCheck.randn(rng, rows * d, 2, 5), c, Layout.OFFSET);
            Tensor dy = input(KernelCheck.randn(rng, rows * d, 1, 0), c, Layout.OFFSET);
            Tensor w = input(KernelCheck.randn(rng, d, 1, 1), new int[] {d}, Layout.OFFSET);
            Tensor b = input(KernelCheck.randn(rng, d, 1, 0), new int[] {d}, Layout.OFFSET);
            for (int affine = 0; affine < 4; affine++) {
                Tensor weight = (affine & 1) != 0 ? w : null;
                Tensor bias = (affine & 2) != 0 ? b : null;
                String what = "layerNorm " + KernelCheck.str(c) + (weight != null ? " weight" : "")
                        + (bias != null ? " bias" : "");
                Tensor out = poisoned(c);
                Tensor mean = poisoned(rows);
                Tensor rstd = poisoned(rows);
                CPU.layerNorm(out, mean, rstd, x, weight, bias, 1e-5);
                assertWrittenExactly(what + " out", out);
                assertWrittenExactly(what + " mean", mean);
                assertWrittenExactly(what + " rstd", rstd);
                Tensor rOut = poisoned(c);
                Tensor rMean = poisoned(rows);
                Tensor rRstd = poisoned(rows);
                REF.layerNorm(rOut, rMean, rRstd, x, weight, bias, 1e-5);
                assertClose(what + " out", out, rOut, 1e-5, 1e-5);
                assertClose(what + " mean", mean, rMean, 1e-6, 1e-6);
                assertClose(what + " rstd", rstd, rRstd, 1e-5, 0);

                // backward from the reference's statistics, so only the backward kernel is judged
                Tensor dx = poisoned(c);
                Tensor dw = weight != null ? poisoned(d) : null;
                Tensor db = bias != null ? poisoned(d) : null;
                CPU.layerNormBackward(dx, dw, db, dy, x, rMean, rRstd, weight);
                Tensor rdx = poisoned(c);
                Tensor rdw = weight != null ? poisoned(d) : null;
                Tensor rdb = bias != null ? poisoned(d) : null;
                REF.layerNormBackward(rdx, rdw, rdb, dy, x, rMean, rRstd, weight);
                assertWrittenExactly(what + " dx", dx);
                assertClose(what + " dx", dx, rdx, 1e-4, 1e-5);
                checkParamGrad(what + " dweight", dw, rdw, rows);
                checkParamGrad(what + " dbias", db, rdb, rows);
            }
        }
    }

    @Test
    void rmsNormForwardAndBackwardMatchReference() {
        var rng = new Generator(32);
        for (int[] c : CASES) {
            if (KernelCheck.skipLarge(c)) {
                continue;
            }
            int rows = c[0];
            int d = c[1];
            Tensor x = input(KernelCheck.randn(rng, rows * d, 2, 1), c, Layout.OFFSET);
            Tensor dy = input(KernelCheck.randn(rng, rows * d, 1, 0), c, Layout.OFFSET);
            Tensor w = input(KernelCheck.randn(rng, d, 1, 1), new int[] {d}, Layout.OFFSET);
            for (Tensor weight : new Tensor[] {null, w}) {
                String what = "rmsNorm " + KernelCheck.str(c) + (weight != null ? " weight" : "");
                Tensor out = poisoned(c);
                Tensor rstd = poisoned(rows);
                CPU.rmsNorm(out, rstd, x, weight, 1e-6);
                assertWrittenExactly(what + " out", out);
                assertWrittenExactly(what + " rstd", rstd);
                Tensor rOut = poisoned(c);
                Tensor rRstd = poisoned(rows);
                REF.rmsNorm(rOut, rRstd, x, weight, 1e-6);
                assertClose(what + " out", out, rOut, 1e-5, 1e-5);
                assertClose(what + " rstd", rstd, rRstd, 1e-5, 0);

                Tensor dx = poisoned(c);
                Tensor dw = weight != null ? poisoned(d) : null;
                CPU.rmsNormBackward(dx, dw, dy, x, rRstd, weight);
                Tensor rdx = poisoned(c);
                Tensor rdw = weight != null ? poisoned(d) : null;
                REF.rmsNormBackward(rdx, rdw, dy, x, rRstd, weight);
                assertWrittenExactly(what + " dx", dx);
                assertClose(what + " dx", dx, rdx, 1e-4, 1e-5);
                checkParamGrad(what + " dweight", dw, rdw, rows);
            }
        }
    }

    /** A parameter gradient is a sum over rows: 0 when there are none (the reference leaves it untouched then). */
    private static void checkParamGrad(String what, Tensor actual, Tensor expected, int rows) {
        if (actual == null) {
            return;
        }
        assertWrittenExactly(what, actual);
        if (rows == 0) {
            assertClose(what, KernelCheck.values(actual), new double[actual.numel()], 0, 0);
        } else {
            assertClose(what, actual, expected, 1e-5, 1e-5 * rows);
        }
    }
}
