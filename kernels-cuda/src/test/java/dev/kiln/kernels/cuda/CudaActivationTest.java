package dev.kiln.kernels.cuda;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.kiln.tensor.Activation;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;

/**
 * The activation kernels: fused unary backward, activations with scalar parameters (forward and
 * backward), PReLU and PAU with their parameter gradients. Skipped without a GPU.
 */
class CudaActivationTest extends GpuTesting {
    /** Compositions of a few float functions (erf, atan, pow, ...), each within an ulp or two. */
    private static final Tol F32_FUNCS = new Tol(1e-5, 1e-6);
    private static final Tol F64_FUNCS = new Tol(1e-12, 1e-14);

    private static Activation[] activations() {
        return new Activation[] {Activation.leakyRelu(0.1), Activation.smelu(0.5), Activation.helu(0.3),
                Activation.elephant(1.5, 3), Activation.fatrelu(0.2), Activation.sau(0.1, 0.8),
                Activation.velu(1.2, 0.9, 1.1, 0.7), Activation.elu(0.7), Activation.celu(1.3),
                Activation.hardtanh(-0.8, 0.6), Activation.softshrink(0.3), Activation.hardshrink(0.3)};
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void unaryBackward(UnaryOp op) {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            Tensor x = randn(t, 9, 37).mul(2);
            if (op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT) {
                x = x.abs().add(0.1);
            }
            Tensor dy = randn(t, 37, 9);
            Tensor xs = x;
            checkKernel("unaryBackward " + op + " " + t, floats(t, F32_FUNCS, F64_FUNCS),
                    dev -> new Tensor[] {on(dev, Tensor.zeros(t, 9, 37)), on(dev, xs), on(dev, dy).t()},
                    (b, a) -> b.unaryBackward(op, a[0], a[1], a[2]));
        }
    }

    @Test
    void scalarParameterActivations() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            Tol tol = floats(t, F32_FUNCS, F64_FUNCS);
            Tensor x = Tensor.cat(0, randn(t, 200).mul(2), Tensor.of(new double[] {0, -0.0, 0.2, -0.3, 0.5, -0.5,
                    1.5, -1.5, Double.NaN, 1e-8}).to(t));
            Tensor dy = randn(t, x.numel());
            for (Activation f : activations()) {
                check(f + " " + t, tol, in -> in[0].activation(f), x);
                check(f + " of a view " + t, tol, in -> in[0].slice(0, 0, 200).reshape(20, 10).t().activation(f), x);
                checkKernel(f + " backward " + t, tol,
                        dev -> new Tensor[] {on(dev, Tensor.zeros(t, x.numel())), on(dev, x), on(dev, dy)},
                        (b, a) -> b.activationBackward(f, a[0], a[1], a[2]));
            }
        }
    }

    @Test
    void preluForwardAndBackward() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            Tol sums = floats(t, new Tol(1e-5, 1e-5), F64_FUNCS);
            for (int[] shape : new int[][] {{7}, {4, 3}, {2, 5, 6, 7}, {64, 3, 1000}}) {
                int channels = shape.length >= 2 ? shape[1] : 1;
                for (int w : channels == 1 ? new int[] {1} : new int[] {1, channels}) {
                    Tensor x = randn(t, shape);
                    Tensor weight = randn(t, w).mul(0.25);
                    Tensor dy = randn(t, shape);
                    check("prelu " + t + " " + w + " slopes", EXACT, in -> in[0].prelu(in[1]), x, weight);
                    checkKernel("preluBackward " + t + " " + java.util.Arrays.toString(shape) + " " + w + " slopes", sums,
                            dev -> new Tensor[] {on(dev, Tensor.zeros(t, shape)), on(dev, Tensor.zeros(t, w)),
                                    on(dev, dy), on(dev, x), on(dev, weight)},
                            (b, a) -> b.preluBackward(a[0], a[1], a[2], a[3], a[4]));
                    checkKernel("preluBackward weight only", sums,
                            dev -> new Tensor[] {null, on(dev, Tensor.zeros(t, w)), on(dev, dy), on(dev, x),
                                    on(dev, weight)},
                            (b, a) -> b.preluBackward(a[0], a[1], a[2], a[3], a[4]));
                }
            }
        }
    }

    @Test
    void pauForwardAndBackward() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            Tol tol = floats(t, new Tol(1e-5, 1e-5), F64_FUNCS);
            for (int[] orders : new int[][] {{6, 4}, {1, 0}, {3, 2}, {20, 3}}) {
                Tensor num = randn(t, orders[0]).mul(0.5);
                Tensor den = randn(t, orders[1]).mul(0.5);
                for (int n : new int[] {1, 1000, QUICK ? 7_000 : 70_000}) {  // quick emulator run: fewer blocks
                    Tensor x = randn(t, n);
                    Tensor dy = randn(t, n);
                    check("pau " + t + " " + orders[0] + "/" + orders[1], tol, in -> in[0].pau(in[1], in[2]), x, num,
                            den);
                    checkKernel("pauBackward " + t + " " + orders[0] + "/" + orders[1] + " n=" + n, tol,
                            dev -> new Tensor[] {on(dev, Tensor.zeros(t, n)), on(dev, Tensor.zeros(t, orders[0])),
                                    on(dev, Tensor.zeros(t, orders[1])), on(dev, dy), on(dev, x), on(dev, num),
                                    on(dev, den)},
                            (b, a) -> b.pauBackward(a[0], a[1], a[2], a[3], a[4], a[5], a[6]));
                    checkKernel("pauBackward without dx", tol,
                            dev -> new Tensor[] {null, on(dev, Tensor.zeros(t, orders[0])), null, on(dev, dy),
                                    on(dev, x), on(dev, num), on(dev, den)},
                            (b, a) -> b.pauBackward(a[0], a[1], a[2], a[3], a[4], a[5], a[6]));
                }
            }
        }
    }
}
