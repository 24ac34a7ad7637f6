package dev.kiln.kernels.cpu;

import dev.kiln.tensor.Activation;
import dev.kiln.tensor.spi.Strided;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;

import static dev.kiln.kernels.cpu.HostArrays.*;

/**
 * CpuBackend's activation backwards, parameterised activations, PReLU and PAU onto {@link
 * ActivationKernels} (PAU runs the reference loops).
 */
final class ActivationDispatch {
    private ActivationDispatch() {
    }

    static void unaryBackward(UnaryOp op, Tensor dx, Tensor x, Tensor dy) {
        if (!f32(dx, x, dy) || !ActivationKernels.hasBackward(op)) {
            REF.unaryBackward(op, dx, x, dy);
            return;
        }
        float[] g = f(dx);
        float[] xa = f(x);
        float[] dya = f(dy);
        StridedLoop lp = StridedLoop.of(dx, x, dy);
        int xs = lp.innerStride[1];
        int gs = lp.innerStride[2];
        lp.run(op == UnaryOp.RELU ? GRAIN : GRAIN_HEAVY, (o, len) -> {
            if (xs == 1 && gs == 1) {
                ActivationKernels.backward(op, g, o[0], xa, o[1], dya, o[2], len);
            } else {
                ActivationKernels.backwardStrided(op, g, o[0], xa, o[1], xs, dya, o[2], gs, len);
            }
        });
    }

    static void activation(Activation fn, Tensor out, Tensor x) {
        if (!f32(out, x)) {
            REF.activation(fn, out, x);
            return;
        }
        float[] y = f(out);
        float[] xa = f(x);
        StridedLoop lp = StridedLoop.of(out, x);
        int xs = lp.innerStride[1];
        lp.run(GRAIN_HEAVY, (o, len) -> ActivationKernels.activation(fn, y, o[0], xa, o[1], xs, len));
    }

    static void activationBackward(Activation fn, Tensor dx, Tensor x, Tensor dy) {
        if (!f32(dx, x, dy)) {
            REF.activationBackward(fn, dx, x, dy);
            return;
        }
        float[] g = f(dx);
        float[] xa = f(x);
        float[] dya = f(dy);
        StridedLoop lp = StridedLoop.of(dx, x, dy);
        int xs = lp.innerStride[1];
        int gs = lp.innerStride[2];
        lp.run(GRAIN_HEAVY, (o, len) -> ActivationKernels.activationBackward(fn, g, o[0], xa, o[1], xs, dya, o[2], gs,
                len));
    }

    static void prelu(Tensor out, Tensor x, Tensor weight) {
        if (!f32(out, x, weight)) {
            REF.prelu(out, x, weight);
            return;
        }
        int channels = weight.numel();
        float[] y = f(out);
        float[] xa = f(x);
        float[] w = f(weight);
        int yo = out.offset();
        int xo = x.offset();
        int wo = weight.offset();
        if (channels == 1) {
            // one shared slope: any split of the elements will do
            Parallel.forRange(x.numel(), GRAIN, (s, e) -> ActivationKernels.prelu(y, yo + s, xa, xo + s, w, wo, 1, e - s,
                    0, 1));
            return;
        }
        int inner = Strided.inner(x.shape(), 1);
        int units = x.numel() / Math.max(inner, 1);
        Parallel.forRange(units, rowGrain(inner, GRAIN),
                (u0, u1) -> ActivationKernels.prelu(y, yo, xa, xo, w, wo, channels, inner, u0, u1));
    }

    static void preluBackward(Tensor dx, Tensor dweight, Tensor dy, Tensor x, Tensor weight) {
        if (!f32(dx, dweight, dy, x, weight)) {
            REF.preluBackward(dx, dweight, dy, x, weight);
            return;
        }
        int channels = weight.numel();
        boolean shared = channels == 1;
        int n = x.numel();
        // a shared slope splits the elements (runs of one element); per-channel slopes split (outer, channel) runs
        int inner = shared ? 1 : Strided.inner(x.shape(), 1);
        int units = shared ? n : n / Math.max(inner, 1);
        float[] g = dx == null ? null : f(dx);
        float[] dya = f(dy);
        float[] xa = f(x);
        float[] w = f(weight);
        int dxo = dx == null ? 0 : dx.offset();
        int chunks = Math.max(1, Parallel.chunks(units, rowGrain(inner, GRAIN)));
        float[] part = dweight == null ? null : new float[chunks * channels];
        Parallel.forRange(chunks, 1, (c0, c1) -> {
            for (int c = c0; c < c1; c++) {
                int u0 = (int) ((long) units * c / chunks);
                int u1 = (int) ((long) units * (c + 1) / chunks);
                if (shared) {
                    ActivationKernels.preluBackward(g, dxo + u0, part, c, dya, dy.offset() + u0, xa, x.offset() + u0, w,
                            weight.offset(), 1, u1 - u0, 0, u0 < u1 ? 1 : 0);
                } else {
                    ActivationKernels.preluBackward(g, dxo, part, c * channels, dya, dy.offset(), xa, x.offset(), w,
                            weight.offset(), channels, inner, u0, u1);
                }
            }
        });
        if (dweight != null) {
            sumPartials(dweight, part, chunks, channels);
        }
    }

    static void pau(Tensor out, Tensor x, Tensor numerator, Tensor denominator) {
        REF.pau(out, x, numerator, denominator);
    }

    static void pauBackward(Tensor dx, Tensor dnumerator, Tensor ddenominator, Tensor dy, Tensor x, Tensor numerator,
                            Tensor denominator) {
        REF.pauBackward(dx, dnumerator, ddenominator, dy, x, numerator, denominator);
    }
}
