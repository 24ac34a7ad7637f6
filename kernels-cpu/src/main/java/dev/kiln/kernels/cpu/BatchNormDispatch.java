package dev.kiln.kernels.cpu;

import dev.kiln.tensor.Tensor;

import static dev.kiln.kernels.cpu.HostArrays.*;

/**
 * CpuBackend's batch_norm with batch statistics, forward and backward, onto {@link BatchNormKernels}:
 * channels split over the pool, each computed whole by one thread.
 */
final class BatchNormDispatch {
    private BatchNormDispatch() {
    }

    static void batchNorm(Tensor out, Tensor mean, Tensor invstd, Tensor x, Tensor weight, Tensor bias, double eps) {
        if (!f32(out, mean, invstd, x, weight, bias)) {
            REF.batchNorm(out, mean, invstd, x, weight, bias, eps);
            return;
        }
        forward(out, mean, invstd, x, weight, bias, eps, false);
    }

    /** batchNorm then ReLU in the pass that writes out. */
    static void batchNormRelu(Tensor out, Tensor mean, Tensor invstd, Tensor x, Tensor weight, Tensor bias,
                              double eps) {
        if (!f32(out, mean, invstd, x, weight, bias)) {
            REF.batchNormRelu(out, mean, invstd, x, weight, bias, eps);
            return;
        }
        forward(out, mean, invstd, x, weight, bias, eps, true);
    }

    private static void forward(Tensor out, Tensor mean, Tensor invstd, Tensor x, Tensor weight, Tensor bias,
                                double eps, boolean relu) {
        int n = x.size(0);
        int channels = x.size(1);
        int sp = x.size(2);
        float[] y = f(out);
        float[] mu = f(mean);
        float[] rs = f(invstd);
        float[] xa = f(x);
        float[] w = fOrNull(weight);
        float[] b = fOrNull(bias);
        float e = (float) eps;
        Parallel.forRange(channels, channelGrain(n, sp), (c0, c1) -> BatchNormKernels.batchNorm(y, out.offset(), mu,
                mean.offset(), rs, invstd.offset(), xa, x.offset(), w, off(weight), b, off(bias), e, relu, n, channels,
                sp, c0, c1));
    }

    static void batchNormBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor dy, Tensor x, Tensor mean,
                                  Tensor invstd, Tensor weight) {
        if (!f32(dx, dweight, dbias, dy, x, mean, invstd, weight)) {
            REF.batchNormBackward(dx, dweight, dbias, dy, x, mean, invstd, weight);
            return;
        }
        backward(dx, dweight, dbias, dy, x, mean, invstd, weight, null, false);
    }

    /** The backward of batchNormRelu: the ReLU mask recomputed from x as the forward computed it, so out is not read. */
    static void batchNormReluBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor dy, Tensor x, Tensor out,
                                      Tensor mean, Tensor invstd, Tensor weight, Tensor bias) {
        if (!f32(dx, dweight, dbias, dy, x, out, mean, invstd, weight, bias)) {
            REF.batchNormReluBackward(dx, dweight, dbias, dy, x, out, mean, invstd, weight, bias);
            return;
        }
        backward(dx, dweight, dbias, dy, x, mean, invstd, weight, bias, true);
    }

    private static void backward(Tensor dx, Tensor dweight, Tensor dbias, Tensor dy, Tensor x, Tensor mean,
                                 Tensor invstd, Tensor weight, Tensor bias, boolean relu) {
        int n = x.size(0);
        int channels = x.size(1);
        int sp = x.size(2);
        float[] g = f(dx);
        float[] dw = fOrNull(dweight);
        float[] db = fOrNull(dbias);
        float[] dya = f(dy);
        float[] xa = f(x);
        float[] mu = f(mean);
        float[] rs = f(invstd);
        float[] w = fOrNull(weight);
        float[] b = fOrNull(bias);
        Parallel.forRange(channels, channelGrain(n, sp), (c0, c1) -> BatchNormKernels.batchNormBackward(g, dx.offset(),
                dw, off(dweight), db, off(dbias), dya, dy.offset(), xa, x.offset(), mu, mean.offset(), rs,
                invstd.offset(), w, off(weight), b, off(bias), relu, n, channels, sp, c0, c1));
    }

    static void batchNormEval(Tensor out, Tensor x, Tensor scale, Tensor shift) {
        if (!f32(out, x, scale, shift)) {
            REF.batchNormEval(out, x, scale, shift);
            return;
        }
        int channels = x.size(1);
        int sp = x.size(2);
        float[] y = f(out);
        float[] xa = f(x);
        float[] a = f(scale);
        float[] b = f(shift);
        Parallel.forRange(x.size(0) * channels, rowGrain(sp, GRAIN), (p0, p1) -> BatchNormKernels.batchNormEval(y,
                out.offset(), xa, x.offset(), a, scale.offset(), b, shift.offset(), channels, sp, p0, p1));
    }

    /** Channels per task so that a task has at least GRAIN values. */
    private static int channelGrain(int n, int sp) {
        return rowGrain((int) Math.min(Integer.MAX_VALUE, (long) n * sp), GRAIN);
    }
}
