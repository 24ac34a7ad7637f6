package dev.kiln.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * BatchNorm with batch statistics over x [N, C, S], forward and backward, F32, for channels
 * [c0, c1): a channel's N planes of S contiguous values are its whole work, so one thread owns a
 * channel and the sums are added in the same order whatever the thread count.
 *
 * <p>The forward takes the mean, then Σ(x − mean)² (two passes, accurate when |mean| ≫ σ; a
 * plane's partial sum is a float, the planes are added in double), saves mean and invstd =
 * 1/√(σ² + ε), and writes y = (x − mean)·(invstd·w) + b in a third pass. The backward takes Σ dy
 * and Σ dy·(x − mean) in one pass and writes dx in a second as dy·A + (x − mean)·B + C with
 * per-channel constants. {@code w} and {@code b} may be null (no affine transform).
 *
 * <p>With {@code relu} the forward writes max(y, 0) (NaN kept, as ReLU) and the backward masks dy
 * where that y ≤ 0, recomputing y from x with the forward's own operations, so the mask is exactly
 * the forward's and neither y nor a masked dy goes through memory.
 */
public final class BatchNormKernels {
    private static final VectorSpecies<Float> S = Simd.F32;
    private static final int L = S.length();

    private BatchNormKernels() {
    }

    private static int bound(int n) {
        return Simd.ENABLED ? S.loopBound(n) : 0;
    }

    /** y = (x − mean_c)·invstd_c·w_c + b_c for channels [c0, c1), then ReLU with {@code relu}; saves mean[c] and invstd[c]. */
    public static void batchNorm(float[] y, int yo, float[] mean, int mo, float[] invstd, int io, float[] x, int xo,
                                 float[] w, int wo, float[] b, int bo, float eps, boolean relu, int n, int channels,
                                 int sp, int c0, int c1) {
        double m = (double) n * sp;
        for (int c = c0; c < c1; c++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += ReduceKernels.sum(x, xo + (i * channels + c) * sp, sp);
            }
            float mu = (float) (sum / m);
            double sq = 0;
            for (int i = 0; i < n; i++) {
                sq += NormKernels.centeredSquares(x, xo + (i * channels + c) * sp, sp, mu);
            }
            float rs = (float) (1.0 / Math.sqrt(sq / m + eps));
            mean[mo + c] = mu;
            invstd[io + c] = rs;
            float scale = w == null ? rs : rs * w[wo + c];
            float shift = b == null ? 0f : b[bo + c];
            for (int i = 0; i < n; i++) {
                int p = (i * channels + c) * sp;
                int xp = xo + p;
                int yp = yo + p;
                int k = 0;
                for (int up = bound(sp); k < up; k += L) {
                    FloatVector v = FloatVector.fromArray(S, x, xp + k).sub(mu).fma(scale, shift);
                    if (relu) {
                        v = v.blend(0f, v.compare(VectorOperators.LE, 0f));
                    }
                    v.intoArray(y, yp + k);
                }
                for (; k < sp; k++) {
                    float v = Math.fma(x[xp + k] - mu, scale, shift);
                    y[yp + k] = relu && v <= 0 ? 0f : v;
                }
            }
        }
    }

    /** Eval: y = x·scale_c + shift_c over planes [p0, p1) of [N, C, S] (plane p is channel p mod C). */
    public static void batchNormEval(float[] y, int yo, float[] x, int xo, float[] scale, int so, float[] shift, int ho,
                                     int channels, int sp, int p0, int p1) {
        for (int p = p0; p < p1; p++) {
            int c = p % channels;
            float a = scale[so + c];
            float b = shift[ho + c];
            int xp = xo + p * sp;
            int yp = yo + p * sp;
            int k = 0;
            for (int up = bound(sp); k < up; k += L) {
                FloatVector.fromArray(S, x, xp + k).fma(a, b).intoArray(y, yp + k);
            }
            for (; k < sp; k++) {
                y[yp + k] = Math.fma(x[xp + k], a, b);
            }
        }
    }

    /**
     * For channels [c0, c1), with M = N·S and x̂ = (x − mean)·invstd: dw[c] = Σ dy·x̂ and db[c] = Σ dy
     * when those arrays are non-null; dx = invstd·w/M·(M·dy − Σ dy − x̂·Σ dy·x̂). With {@code relu}, dy
     * is first zeroed where the forward's y = (x − mean)·(invstd·w) + b was ≤ 0 (b is read only then).
     */
    public static void batchNormBackward(float[] dx, int dxo, float[] dw, int dwo, float[] db, int dbo, float[] dy,
                                         int dyo, float[] x, int xo, float[] mean, int mo, float[] invstd, int io,
                                         float[] w, int wo, float[] b, int bo, boolean relu, int n, int channels,
                                         int sp, int c0, int c1) {
        double m = (double) n * sp;
        for (int c = c0; c < c1; c++) {
            float mu = mean[mo + c];
            double rs = invstd[io + c];
            // the forward's scale and shift, in its float arithmetic, for the ReLU mask
            float scale = w == null ? invstd[io + c] : invstd[io + c] * w[wo + c];
            float shift = b == null ? 0f : b[bo + c];
            // pass 1: Σ dy and Σ dy·(x − mean), a float per plane, the planes added in double
            double sumDy = 0;
            double sumDyXc = 0;
            for (int i = 0; i < n; i++) {
                int p = (i * channels + c) * sp;
                int xp = xo + p;
                int gp = dyo + p;
                float sg = 0;
                float sgx = 0;
                int k = 0;
                int up = bound(sp);
                if (up > 0) {
                    FloatVector ag = FloatVector.zero(S);
                    FloatVector agx = ag;
                    for (; k < up; k += L) {
                        FloatVector g = FloatVector.fromArray(S, dy, gp + k);
                        FloatVector xc = FloatVector.fromArray(S, x, xp + k).sub(mu);
                        if (relu) {
                            g = g.blend(0f, xc.fma(scale, shift).compare(VectorOperators.GT, 0f).not());
                        }
                        ag = ag.add(g);
                        agx = g.fma(xc, agx);
                    }
                    sg = Simd.sum(ag);
                    sgx = Simd.sum(agx);
                }
                for (; k < sp; k++) {
                    float xc = x[xp + k] - mu;
                    float g = relu && !(Math.fma(xc, scale, shift) > 0) ? 0f : dy[gp + k];
                    sg += g;
                    sgx += g * xc;
                }
                sumDy += sg;
                sumDyXc += sgx;
            }
            if (dw != null) {
                dw[dwo + c] = (float) (sumDyXc * rs);
            }
            if (db != null) {
                db[dbo + c] = (float) sumDy;
            }
            // pass 2: dx = dy·A + (x − mean)·B + C
            double a = w == null ? rs : rs * w[wo + c];
            float ca = (float) a;
            float cb = (float) (-a * rs * rs * sumDyXc / m);
            float cc = (float) (-a * sumDy / m);
            FloatVector va = FloatVector.broadcast(S, ca);
            for (int i = 0; i < n; i++) {
                int p = (i * channels + c) * sp;
                int xp = xo + p;
                int gp = dyo + p;
                int dp = dxo + p;
                int k = 0;
                for (int up = bound(sp); k < up; k += L) {
                    FloatVector xc = FloatVector.fromArray(S, x, xp + k).sub(mu);
                    FloatVector g = FloatVector.fromArray(S, dy, gp + k);
                    if (relu) {
                        g = g.blend(0f, xc.fma(scale, shift).compare(VectorOperators.GT, 0f).not());
                    }
                    g.fma(va, xc.fma(cb, cc)).intoArray(dx, dp + k);
                }
                for (; k < sp; k++) {
                    float xc = x[xp + k] - mu;
                    float g = relu && !(Math.fma(xc, scale, shift) > 0) ? 0f : dy[gp + k];
                    dx[dp + k] = Math.fma(g, ca, Math.fma(xc, cb, cc));
                }
            }
        }
    }
}
