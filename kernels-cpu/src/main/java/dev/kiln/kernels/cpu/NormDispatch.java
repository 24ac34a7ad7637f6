package dev.kiln.kernels.cpu;

import dev.kiln.tensor.Tensor;
import java.util.Arrays;

import static dev.kiln.kernels.cpu.HostArrays.*;

/**
 * CpuBackend's layer_norm and rms_norm, forward and backward, onto {@link NormKernels}.
 */
final class NormDispatch {
    private NormDispatch() {
    }

    static void layerNorm(Tensor out, Tensor mean, Tensor rstd, Tensor x, Tensor weight, Tensor bias, double eps) {
        if (!f32(out, mean, rstd, x, weight, bias)) {
            REF.layerNorm(out, mean, rstd, x, weight, bias, eps);
            return;
        }
        int rows = mean.numel();
        int d = rows == 0 ? 0 : x.numel() / rows;
        float[] y = f(out);
        float[] mu = f(mean);
        float[] rs = f(rstd);
        float[] xa = f(x);
        float[] w = fOrNull(weight);
        float[] b = fOrNull(bias);
        float e = (float) eps;
        Parallel.forRange(rows, rowGrain(d, GRAIN), (r0, r1) -> NormKernels.layerNorm(y, out.offset(), mu,
                mean.offset(), rs, rstd.offset(), xa, x.offset(), w, off(weight), b, off(bias), e, r0, r1, d));
    }

    static void layerNormBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor dy, Tensor x, Tensor mean,
                                  Tensor rstd, Tensor weight) {
        if (!f32(dx, dweight, dbias, dy, x, mean, rstd, weight)) {
            REF.layerNormBackward(dx, dweight, dbias, dy, x, mean, rstd, weight);
            return;
        }
        normBackward(dx, dweight, dbias, dy, x, mean, rstd, weight);
    }

    static void rmsNorm(Tensor out, Tensor rstd, Tensor x, Tensor weight, double eps) {
        if (!f32(out, rstd, x, weight)) {
            REF.rmsNorm(out, rstd, x, weight, eps);
            return;
        }
        int rows = rstd.numel();
        int d = rows == 0 ? 0 : x.numel() / rows;
        float[] y = f(out);
        float[] rs = f(rstd);
        float[] xa = f(x);
        float[] w = fOrNull(weight);
        float e = (float) eps;
        Parallel.forRange(rows, rowGrain(d, GRAIN), (r0, r1) -> NormKernels.rmsNorm(y, out.offset(), rs,
                rstd.offset(), xa, x.offset(), w, off(weight), e, r0, r1, d));
    }

    static void rmsNormBackward(Tensor dx, Tensor dweight, Tensor dy, Tensor x, Tensor rstd, Tensor weight) {
        if (!f32(dx, dweight, dy, x, rstd, weight)) {
            REF.rmsNormBackward(dx, dweight, dy, x, rstd, weight);
            return;
        }
        normBackward(dx, dweight, null, dy, x, null, rstd, weight);
    }

    /**
     * Both norms' backward, rows cut into chunks chosen by size alone (Parallel.chunks); each chunk
     * adds its rows' dweight and dbias into a partial buffer of its own, and the partials are summed
     * in chunk order, so the bits do not depend on the thread count.
     */
    private static void normBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor dy, Tensor x, Tensor mean,
                                     Tensor rstd, Tensor weight) {
        int rows = rstd.numel();
        if (rows == 0) {
            // no rows: the parameter gradients are sums over nothing
            for (Tensor t : new Tensor[] {dweight, dbias}) {
                if (t != null) {
                    Arrays.fill(f(t), t.offset(), t.offset() + t.numel(), 0f);
                }
            }
            return;
        }
        int d = x.numel() / rows;
        int chunks = Math.max(1, Parallel.chunks(rows, rowGrain(d, GRAIN)));
        float[] g = f(dx);
        float[] dya = f(dy);
        float[] xa = f(x);
        float[] mu = fOrNull(mean);
        float[] rs = f(rstd);
        float[] w = fOrNull(weight);
        float[] dwPart = dweight == null ? null : new float[chunks * d];
        float[] dbPart = dbias == null ? null : new float[chunks * d];
        Parallel.forRange(chunks, 1, (c0, c1) -> {
            for (int c = c0; c < c1; c++) {
                int r0 = (int) ((long) rows * c / chunks);
                int r1 = (int) ((long) rows * (c + 1) / chunks);
                NormKernels.normBackward(g, dx.offset(), dwPart, c * d, dbPart, c * d, dya, dy.offset(), xa, x.offset(),
                        mu, off(mean), rs, rstd.offset(), w, off(weight), r0, r1, d);
            }
        });
        sumPartials(dweight, dwPart, chunks, d);
        sumPartials(dbias, dbPart, chunks, d);
    }
}
