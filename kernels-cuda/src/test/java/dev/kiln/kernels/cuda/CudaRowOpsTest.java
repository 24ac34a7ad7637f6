package dev.kiln.kernels.cuda;

import org.junit.jupiter.api.Test;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Reduction;
import dev.kiln.tensor.Tensor;

/** softmax, log-softmax, cross-entropy, LayerNorm, RMSNorm and BatchNorm, forward and backward; skipped without a GPU. */
class CudaRowOpsTest extends GpuTesting {

    @Test
    void softmaxForwardAlongEveryDim() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            Tol tol = floats(t, F32_SUMS, F64_SUMS);
            for (int[] shape : new int[][] {{1}, {7}, {4, 1000}, {3, 5, 7}, {2, 50257}, {0, 5}}) {
                for (int dim = 0; dim < shape.length; dim++) {
                    int d = dim;
                    Tensor x = randn(t, shape).mul(4);
                    check("softmax " + t + " dim " + d, tol, in -> in[0].softmax(d), x);
                    check("logSoftmax " + t + " dim " + d, tol, in -> in[0].logSoftmax(d), x);
                }
            }
            check("softmax of a 0-d", tol, in -> in[0].softmax(0), Tensor.scalar(3).to(t));
            Tensor special = Tensor.of(new double[] {0, Double.NEGATIVE_INFINITY, 1, 2, Double.NEGATIVE_INFINITY,
                    Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY, 5, Double.NaN, 1, 1,
                    1000, -1000, 0, 1}, 4, 4).to(t);
            check("softmax with -inf, NaN and large values", tol, in -> in[0].softmax(1), special);
            check("logSoftmax with -inf, NaN and large values", tol, in -> in[0].logSoftmax(1), special);
        }
    }

    @Test
    void softmaxBackwardKernels() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            Tol tol = floats(t, F32_SUMS, F64_SUMS);
            for (int[] shape : new int[][] {{4, 1000}, {3, 5, 7}, {1, 1}}) {
                for (int dim = 0; dim < shape.length; dim++) {
                    int d = dim;
                    Tensor x = randn(t, shape);
                    Tensor y = x.softmax(d);
                    Tensor ly = x.logSoftmax(d);
                    Tensor dy = randn(t, shape);
                    checkKernel("softmaxBackward " + t + " dim " + d, tol,
                            dev -> new Tensor[] {on(dev, Tensor.zeros(t, shape)), on(dev, y), on(dev, dy)},
                            (b, a) -> b.softmaxBackward(a[0], a[1], a[2], d));
                    checkKernel("logSoftmaxBackward " + t + " dim " + d, tol,
                            dev -> new Tensor[] {on(dev, Tensor.zeros(t, shape)), on(dev, ly), on(dev, dy)},
                            (b, a) -> b.logSoftmaxBackward(a[0], a[1], a[2], d));
                }
            }
        }
    }

    @Test
    void crossEntropyForwardAndBackward() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            Tol tol = floats(t, F32_SUMS, F64_SUMS);
            for (int[] nc : new int[][] {{1, 1}, {8, 10}, {33, 1000}, {4, 50257}}) {
                int n = nc[0];
                int c = nc[1];
                Tensor logits = randn(t, n, c).mul(3);
                Tensor labels = randint(0, c, n);
                if (n > 2) {
                    labels = Tensor.where(Tensor.arange(n).eq(1), Tensor.full(-100, DType.I32, n), labels);
                }
                Tensor lab = labels;
                check("crossEntropy mean " + t + " " + n + "x" + c, tol, in -> in[0].crossEntropy(in[1]), logits, lab);
                check("crossEntropy none", tol, in -> in[0].crossEntropy(in[1], Reduction.NONE, -100), logits, lab);
                Tensor dloss = randn(t, n);
                checkKernel("crossEntropyBackward " + t + " " + n + "x" + c, tol,
                        dev -> new Tensor[] {on(dev, Tensor.zeros(t, n, c)), on(dev, logits), on(dev, lab),
                                on(dev, dloss)},
                        (b, a) -> b.crossEntropyBackward(a[0], a[1], a[2], a[3], -100));
            }
            check("crossEntropy over [N, C, d]", tol, in -> in[0].crossEntropy(in[1]), randn(t, 3, 5, 4),
                    randint(0, 5, 3, 4));
        }
    }

    @Test
    void layerNormAndRmsNorm() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            Tol tol = floats(t, new Tol(1e-5, 1e-5), F64_SUMS);
            for (int[] shape : new int[][] {{4, 1}, {7, 33}, {2, 3, 768}, {3, 5000}, {0, 8}}) {
                int d = shape[shape.length - 1];
                Tensor x = randn(t, shape).mul(2).add(1);
                Tensor w = randn(t, d);
                Tensor bias = randn(t, d);
                int[] norm = {d};
                check("layerNorm " + t, tol, in -> in[0].layerNorm(norm, in[1], in[2], 1e-5), x, w, bias);
                check("layerNorm without affine " + t, tol, in -> in[0].layerNorm(norm, null, null, 1e-5), x);
                check("rmsNorm " + t, tol, in -> in[0].rmsNorm(norm, in[1], 1e-6), x, w);
                check("layerNorm of a transposed input " + t, tol,
                        in -> in[0].transpose(0, 1).contiguous().transpose(0, 1).layerNorm(norm, in[1], null, 1e-5), x, w);
            }
        }
    }

    @Test
    void normBackwardKernels() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            Tol tol = floats(t, new Tol(1e-4, 1e-5), F64_SUMS);
            // the quick emulator run: 300 rows instead of 3000 (still several row chunks per column)
            for (int[] rd : new int[][] {{1, 1}, {7, 33}, {6, 768}, {QUICK ? 300 : 3000, 64}}) {
                int rows = rd[0];
                int d = rd[1];
                Tensor x = randn(t, rows, d);
                Tensor dy = randn(t, rows, d);
                Tensor w = randn(t, d);
                Tensor mean = x.mean(1, false);
                Tensor rstd = x.var(new int[] {1}, 0, false).add(1e-5).rsqrt();
                Tensor rrms = x.mul(x).mean(1, false).add(1e-6).rsqrt();
                for (boolean affine : new boolean[] {true, false}) {
                    Tensor wt = affine ? w : null;
                    checkKernel("layerNormBackward " + t + " " + rows + "x" + d + (affine ? " affine" : ""), tol,
                            dev -> new Tensor[] {on(dev, Tensor.zeros(t, rows, d)),
                                    affine ? on(dev, Tensor.zeros(t, d)) : null,
                                    affine ? on(dev, Tensor.zeros(t, d)) : null,
                                    on(dev, dy), on(dev, x), on(dev, mean), on(dev, rstd), on(dev, wt)},
                            (b, a) -> b.layerNormBackward(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]));
                    checkKernel("rmsNormBackward " + t + " " + rows + "x" + d + (affine ? " affine" : ""), tol,
                            dev -> new Tensor[] {on(dev, Tensor.zeros(t, rows, d)),
                                    affine ? on(dev, Tensor.zeros(t, d)) : null, on(dev, dy), on(dev, x),
                                    on(dev, rrms), on(dev, wt)},
                            (b, a) -> b.rmsNormBackward(a[0], a[1], a[2], a[3], a[4], a[5]));
                }
            }
        }
    }

    @Test
    void batchNormForwardAndBackward() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            Tol tol = floats(t, new Tol(1e-4, 1e-5), F64_SUMS);
            // [N, C, S]: one value per plane, one sample, planes shorter and longer than a block
            for (int[] shape : new int[][] {{5, 3, 1}, {1, 4, 7}, {3, 2, 33}, {QUICK ? 16 : 128, 16, QUICK ? 49 : 784}}) {
                int c = shape[1];
                Tensor x = randn(t, shape).mul(2).add(5);
                Tensor dy = randn(t, shape);
                Tensor w = randn(t, c);
                Tensor bias = randn(t, c);
                check("batchNorm " + t, tol, in -> in[0].batchNorm(null, null, in[1], in[2], true, 0.1, 1e-5), x, w, bias);
                check("batchNorm without affine " + t, tol, in -> in[0].batchNorm(null, null, null, null, true, 0.1, 1e-5),
                        x);
                check("batchNormRelu " + t, tol, in -> in[0].batchNormRelu(null, null, in[1], in[2], true, 0.1, 1e-5), x,
                        w, bias);
                Tensor rm = randn(t, c);
                Tensor rv = randn(t, c).square().add(0.5);
                check("batchNorm eval " + t, tol, in -> in[0].batchNorm(in[1], in[2], in[3], in[4], false, 0.1, 1e-5), x,
                        rm, rv, w, bias);
                checkKernel("batchNormEval " + t + " " + java.util.Arrays.toString(shape), tol,
                        dev -> new Tensor[] {on(dev, Tensor.zeros(t, shape)), on(dev, x), on(dev, w), on(dev, bias)},
                        (b, a) -> b.batchNormEval(a[0], a[1], a[2], a[3]));
                Tensor mean = x.mean(new int[] {0, 2}, false);
                Tensor invstd = x.var(new int[] {0, 2}, 0, false).add(1e-5).rsqrt();
                for (boolean affine : new boolean[] {true, false}) {
                    Tensor wt = affine ? w : null;
                    checkKernel("batchNormBackward " + t + " " + java.util.Arrays.toString(shape) + (affine ? " affine"
                            : ""), tol,
                            dev -> new Tensor[] {on(dev, Tensor.zeros(t, shape)),
                                    affine ? on(dev, Tensor.zeros(t, c)) : null,
                                    affine ? on(dev, Tensor.zeros(t, c)) : null,
                                    on(dev, dy), on(dev, x), on(dev, mean), on(dev, invstd), on(dev, wt)},
                            (b, a) -> b.batchNormBackward(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]));
                    Tensor bt = affine ? bias : null;
                    Tensor y = x.sub(mean.reshape(1, c, 1)).mul(invstd.reshape(1, c, 1));
                    Tensor out = (affine ? y.mul(w.reshape(1, c, 1)).add(bias.reshape(1, c, 1)) : y).relu();
                    checkKernel("batchNormReluBackward " + t + " " + java.util.Arrays.toString(shape)
                            + (affine ? " affine" : ""), tol,
                            dev -> new Tensor[] {on(dev, Tensor.zeros(t, shape)),
                                    affine ? on(dev, Tensor.zeros(t, c)) : null,
                                    affine ? on(dev, Tensor.zeros(t, c)) : null,
                                    on(dev, dy), on(dev, x), on(dev, out), on(dev, mean), on(dev, invstd), on(dev, wt),
                                    on(dev, bt)},
                            (b, a) -> b.batchNormReluBackward(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8],
                                    a[9]));
                }
            }
        }
    }
}
