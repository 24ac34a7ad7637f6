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
import static dev.kiln.kernels.cpu.KernelCheck.randn;

/**
 * BatchNorm with batch statistics, forward and backward, and in eval, against the reference over [N, C, S]
 * with and without the affine parameters: planes shorter and longer than a vector, one sample,
 * one value per plane, the kiln train cnn shapes. Inputs have a mean far from 0 (x = 5 + 2·N(0, 1)
 * per channel shifted by c) so a one-pass variance would fail. Error bounds: out rtol 1e-5 + atol
 * 1e-5; mean rtol 1e-6 + atol 1e-6; invstd rtol 1e-5; dx rtol 1e-4 + atol 1e-5; dweight and dbias
 * (sums over N·S values) rtol 1e-5 + atol 1e-6·N·S. Eval (x·scale + shift) rtol 1e-6 + atol 1e-6.
 */
class BatchNormKernelsTest {

    /** {N, C, S}. */
    static final int[][] CASES = {{2, 1, 1}, {1, 3, 2}, {3, 2, 7}, {4, 5, 16}, {2, 3, 17}, {1, 2, 100}, {5, 4, 1},
        {8, 16, 33}, {16, 16, 784}, {32, 64, 49}, {3, 7, 1000}};

    @Test
    void batchNormForwardAndBackwardMatchReference() {
        var rng = new Generator(41);
        for (int[] c : CASES) {
            int n = c[0];
            int ch = c[1];
            int sp = c[2];
            int total = n * ch * sp;
            double[] xv = randn(rng, total, 2, 5);
            for (int i = 0; i < total; i++) {
                xv[i] += (i / sp) % ch;
            }
            Tensor x = input(xv, c, Layout.OFFSET);
            Tensor dy = input(randn(rng, total, 1, 0.3), c, Layout.OFFSET);
            Tensor w = input(randn(rng, ch, 1, 1), new int[] {ch}, Layout.OFFSET);
            Tensor b = input(randn(rng, ch, 1, 0), new int[] {ch}, Layout.OFFSET);
            for (int affine = 0; affine < 4; affine++) {
                Tensor weight = (affine & 1) != 0 ? w : null;
                Tensor bias = (affine & 2) != 0 ? b : null;
                String what = "batchNorm " + KernelCheck.str(c) + (weight != null ? " weight" : "")
                        + (bias != null ? " bias" : "");
                Tensor out = poisoned(c);
                Tensor mean = poisoned(ch);
                Tensor invstd = poisoned(ch);
                CPU.batchNorm(out, mean, invstd, x, weight, bias, 1e-5);
                assertWrittenExactly(what + " out", out);
                assertWrittenExactly(what + " mean", mean);
                assertWrittenExactly(what + " invstd", invstd);
                Tensor rOut = poisoned(c);
                Tensor rMean = poisoned(ch);
                Tensor rInvstd = poisoned(ch);
                REF.batchNorm(rOut, rMean, rInvstd, x, weight, bias, 1e-5);
                assertClose(what + " out", out, rOut, 1e-5, 1e-5);
                assertClose(what + " mean", mean, rMean, 1e-6, 1e-6);
                assertClose(what + " invstd", invstd, rInvstd, 1e-5, 0);

                // backward from the reference's statistics, so only the backward kernel is judged
                Tensor dx = poisoned(c);
                Tensor dw = poisoned(ch);
                Tensor db = poisoned(ch);
                CPU.batchNormBackward(dx, (affine & 1) != 0 ? dw : null, (affine & 2) != 0 ? db : null, dy, x, rMean,
                        rInvstd, weight);
                Tensor rdx = poisoned(c);
                Tensor rdw = poisoned(ch);
                Tensor rdb = poisoned(ch);
                REF.batchNormBackward(rdx, rdw, rdb, dy, x, rMean, rInvstd, weight);
                assertWrittenExactly(what + " dx", dx);
                assertClose(what + " dx", dx, rdx, 1e-4, 1e-5);
                if ((affine & 1) != 0) {
                    assertWrittenExactly(what + " dweight", dw);
                    assertClose(what + " dweight", dw, rdw, 1e-5, 1e-6 * n * sp);
                }
                if ((affine & 2) != 0) {
                    assertWrittenExactly(what + " dbias", db);
                    assertClose(what + " dbias", db, rdb, 1e-5, 1e-6 * n * sp);
                }
            }
        }
    }

    /**
     * The fused batchNormRelu and its backward give batchNorm then ReLU bit for bit (the backward's mask is
     * recomputed from x), and match the reference backend's default, which runs the two kernels.
     */
    @Test
    void batchNormReluIsBatchNormThenReluBitForBit() {
        var rng = new Generator(43);
        for (int[] c : CASES) {
            int n = c[0];
            int ch = c[1];
            int sp = c[2];
            int total = n * ch * sp;
            Tensor x = input(randn(rng, total, 2, 5), c, Layout.OFFSET);
            Tensor dy = input(randn(rng, total, 1, 0.3), c, Layout.OFFSET);
            Tensor w = input(randn(rng, ch, 1, 1), new int[] {ch}, Layout.OFFSET);
            Tensor b = input(randn(rng, ch, 0.5, 0.2), new int[] {ch}, Layout.OFFSET);
            for (int affine = 0; affine < 4; affine++) {
                Tensor weight = (affine & 1) != 0 ? w : null;
                Tensor bias = (affine & 2) != 0 ? b : null;
                String what = "batchNormRelu " + KernelCheck.str(c) + (weight != null ? " weight" : "")
                        + (bias != null ? " bias" : "");
                Tensor out = poisoned(c);
                Tensor mean = poisoned(ch);
                Tensor invstd = poisoned(ch);
                CPU.batchNormRelu(out, mean, invstd, x, weight, bias, 1e-5);
                assertWrittenExactly(what + " out", out);
                Tensor twoOut = poisoned(c);
                CPU.batchNorm(twoOut, poisoned(ch), poisoned(ch), x, weight, bias, 1e-5);
                CPU.unary(dev.kiln.tensor.UnaryOp.RELU, twoOut, twoOut);
                KernelCheck.assertBitEqual(what + " out", out, twoOut);

                Tensor dx = poisoned(c);
                Tensor dw = poisoned(ch);
                Tensor db = poisoned(ch);
                CPU.batchNormReluBackward(dx, weight != null ? dw : null, bias != null ? db : null, dy, x, out, mean,
                        invstd, weight, bias);
                assertWrittenExactly(what + " dx", dx);
                Tensor masked = poisoned(c);
                CPU.unaryBackward(dev.kiln.tensor.UnaryOp.RELU, masked, out, dy);
                Tensor twoDx = poisoned(c);
                Tensor twoDw = poisoned(ch);
                Tensor twoDb = poisoned(ch);
                CPU.batchNormBackward(twoDx, twoDw, twoDb, masked, x, mean, invstd, weight);
                KernelCheck.assertBitEqual(what + " dx", dx, twoDx);
                if (weight != null) {
                    KernelCheck.assertBitEqual(what + " dweight", dw, twoDw);
                }
                if (bias != null) {
                    KernelCheck.assertBitEqual(what + " dbias", db, twoDb);
                }

                // the reference's default: the two kernels, dx standing in for the masked dy
                Tensor rOut = poisoned(c);
                Tensor rMean = poisoned(ch);
                Tensor rInvstd = poisoned(ch);
                REF.batchNormRelu(rOut, rMean, rInvstd, x, weight, bias, 1e-5);
                assertClose(what + " out", out, rOut, 1e-5, 1e-5);
                Tensor rdx = poisoned(c);
                Tensor rdw = poisoned(ch);
                Tensor rdb = poisoned(ch);
                REF.batchNormReluBackward(rdx, rdw, rdb, dy, x, out, mean, invstd, weight, bias);
                assertClose(what + " dx", dx, rdx, 1e-4, 1e-5);
                if (weight != null) {
                    assertClose(what + " dweight", dw, rdw, 1e-5, 1e-6 * n * sp);
                }
                if (bias != null) {
                    assertClose(what + " dbias", db, rdb, 1e-5, 1e-6 * n * sp);
                }
            }
        }
    }

    @Test
    void batchNormEvalMatchesReference() {
        var rng = new Generator(42);
        for (int[] c : CASES) {
            int total = c[0] * c[1] * c[2];
            Tensor x = input(randn(rng, total, 2, 5), c, Layout.OFFSET);
            Tensor scale = input(randn(rng, c[1], 1, 1), new int[] {c[1]}, Layout.OFFSET);
            Tensor shift = input(randn(rng, c[1], 1, 0), new int[] {c[1]}, Layout.OFFSET);
            Tensor out = poisoned(c);
            CPU.batchNormEval(out, x, scale, shift);
            Tensor rOut = poisoned(c);
            REF.batchNormEval(rOut, x, scale, shift);
            String what = "batchNormEval " + KernelCheck.str(c);
            assertWrittenExactly(what, out);
            assertClose(what, out, rOut, 1e-6, 1e-6);
        }
    }
}
