package dev.kiln.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * LayerNorm and RMSNorm over rows of length d, forward and backward, F32.
 *
 * <p>The forward saves what the backward needs (mean and rstd = 1/√(σ² + ε) per row). A row is
 * read from memory once; its statistics pass and its output pass hit L1. The variance is the
 * two-pass Σ(x − mean)², which stays accurate when |mean| ≫ σ. {@code weight} and {@code bias}
 * may be null (no affine transform).
 *
 * <p>The backward accumulates dweight and dbias with {@code +=} into the buffers it is given, so
 * the dispatcher can hand each thread a partial buffer of its own and add them up afterwards.
 */
public final class NormKernels {
    private static final VectorSpecies<Float> S = Simd.F32;
    private static final int L = S.length();

    private NormKernels() {
    }

    private static int bound(int n) {
        return Simd.ENABLED ? S.loopBound(n) : 0;
    }

    // ------------------------------------------------------------------ LayerNorm

    /** y = (x − mean)·rstd ⊙ w + b for rows [r0, r1) of length d; saves mean[r] and rstd[r]. */
    public static void layerNorm(float[] y, int yo, float[] mean, int mo, float[] rstd, int ro, float[] x, int xo,
                                 float[] w, int wo, float[] b, int bo, float eps, int r0, int r1, int d) {
        for (int r = r0; r < r1; r++) {
            int xr = xo + r * d;
            int yr = yo + r * d;
            float mu = (float) (ReduceKernels.sum(x, xr, d) / d);
            float var = centeredSquares(x, xr, d, mu) / d;
            float rs = (float) (1.0 / Math.sqrt((double) var + eps));
            mean[mo + r] = mu;
            rstd[ro + r] = rs;
            int i = 0;
            if (w != null && b != null) {
                for (int up = bound(d); i < up; i += L) {
                    FloatVector xh = FloatVector.fromArray(S, x, xr + i).sub(mu).mul(rs);
                    xh.fma(FloatVector.fromArray(S, w, wo + i), FloatVector.fromArray(S, b, bo + i)).intoArray(y, yr + i);
                }
            } else if (w != null) {
                for (int up = bound(d); i < up; i += L) {
                    FloatVector.fromArray(S, x, xr + i).sub(mu).mul(rs).mul(FloatVector.fromArray(S, w, wo + i))
                            .intoArray(y, yr + i);
                }
            } else if (b != null) {
                for (int up = bound(d); i < up; i += L) {
                    FloatVector.fromArray(S, x, xr + i).sub(mu).mul(rs).add(FloatVector.fromArray(S, b, bo + i))
                            .intoArray(y, yr + i);
                }
            } else {
                for (int up = bound(d); i < up; i += L) {
                    FloatVector.fromArray(S, x, xr + i).sub(mu).mul(rs).intoArray(y, yr + i);
                }
            }
            for (; i < d; i++) {
                float v = (x[xr + i] - mu) * rs;
                if (w != null) {
                    v *= w[wo + i];
                }
                if (b != null) {
                    v += b[bo + i];
                }
                y[yr + i] = v;
            }
        }
    }

    /** Σ (x − mu)². */
    static float centeredSquares(float[] x, int xo, int n, float mu) {
        int i = 0;
        float s = 0;
        int up = bound(n);
        if (up > 0) {
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = a0;
            for (; i + 2 * L <= up; i += 2 * L) {
                FloatVector c0 = FloatVector.fromArray(S, x, xo + i).sub(mu);
                FloatVector c1 = FloatVector.fromArray(S, x, xo + i + L).sub(mu);
                a0 = c0.fma(c0, a0);
                a1 = c1.fma(c1, a1);
            }
            for (; i < up; i += L) {
                FloatVector c0 = FloatVector.fromArray(S, x, xo + i).sub(mu);
                a0 = c0.fma(c0, a0);
            }
            s = Simd.sum(a0.add(a1));
        }
        for (; i < n; i++) {
            float c = x[xo + i] - mu;
            s += c * c;
        }
        return s;
    }

    /**
     * With x̂ = (x − mean)·rstd and g = dy ⊙ w: dx = rstd·(g − mean(g) − x̂·mean(g ⊙ x̂)) for rows
     * [r0, r1); dw += Σ_rows dy ⊙ x̂ and db += Σ_rows dy when those buffers are non-null.
     * For RMSNorm pass {@code mean == null}: x̂ = x·rstd and the mean(g) term drops out.
     */
    public static void normBackward(float[] dx, int dxo, float[] dw, int dwo, float[] db, int dbo, float[] dy, int dyo,
                                    float[] x, int xo, float[] mean, int mo, float[] rstd, int ro, float[] w, int wo,
                                    int r0, int r1, int d) {
        for (int r = r0; r < r1; r++) {
            int o = r * d;
            float mu = mean == null ? 0f : mean[mo + r];
            float rs = rstd[ro + r];
            // pass 1: Σ g and Σ g ⊙ x̂, and the parameter gradients
            float sumG = 0;
            float sumGX = 0;
            int i = 0;
            int up = bound(d);
            if (up > 0) {
                FloatVector aG = FloatVector.zero(S);
                FloatVector aGX = FloatVector.zero(S);
                for (; i < up; i += L) {
                    FloatVector g = FloatVector.fromArray(S, dy, dyo + o + i);
                    FloatVector xh = FloatVector.fromArray(S, x, xo + o + i).sub(mu).mul(rs);
                    if (dw != null) {
                        xh.fma(g, FloatVector.fromArray(S, dw, dwo + i)).intoArray(dw, dwo + i);
                    }
                    if (db != null) {
                        g.add(FloatVector.fromArray(S, db, dbo + i)).intoArray(db, dbo + i);
                    }
                    if (w != null) {
                        g = g.mul(FloatVector.fromArray(S, w, wo + i));
                    }
                    aG = aG.add(g);
                    aGX = g.fma(xh, aGX);
                }
                sumG = Simd.sum(aG);
                sumGX = Simd.sum(aGX);
            }
            for (; i < d; i++) {
                float g = dy[dyo + o + i];
                float xh = (x[xo + o + i] - mu) * rs;
                if (dw != null) {
                    dw[dwo + i] += g * xh;
                }
                if (db != null) {
                    db[dbo + i] += g;
                }
                if (w != null) {
                    g *= w[wo + i];
                }
                sumG += g;
                sumGX += g * xh;
            }
            float meanG = mean == null ? 0f : sumG / d;
            float meanGX = sumGX / d;
            // pass 2: dx
            i = 0;
            for (; i < up; i += L) {
                FloatVector g = FloatVector.fromArray(S, dy, dyo + o + i);
                if (w != null) {
                    g = g.mul(FloatVector.fromArray(S, w, wo + i));
                }
                FloatVector xh = FloatVector.fromArray(S, x, xo + o + i).sub(mu).mul(rs);
                g.sub(meanG).sub(xh.mul(meanGX)).mul(rs).intoArray(dx, dxo + o + i);
            }
            for (; i < d; i++) {
                float g = dy[dyo + o + i];
                if (w != null) {
                    g *= w[wo + i];
                }
                float xh = (x[xo + o + i] - mu) * rs;
                dx[dxo + o + i] = rs * (g - meanG - xh * meanGX);
            }
        }
    }

    // ------------------------------------------------------------------ RMSNorm

    /** y = x·rstd ⊙ w for rows [r0, r1) of length d, rstd = 1/√(mean(x²) + ε); saves rstd[r]. */
    public static void rmsNorm(float[] y, int yo, float[] rstd, int ro, float[] x, int xo, float[] w, int wo, float eps,
                               int r0, int r1, int d) {
        for (int r = r0; r < r1; r++) {
            int xr = xo + r * d;
            int yr = yo + r * d;
            float ms = centeredSquares(x, xr, d, 0f) / d;
            float rs = (float) (1.0 / Math.sqrt((double) ms + eps));
            rstd[ro + r] = rs;
            int i = 0;
            if (w != null) {
                for (int up = bound(d); i < up; i += L) {
                    FloatVector.fromArray(S, x, xr + i).mul(rs).mul(FloatVector.fromArray(S, w, wo + i))
                            .intoArray(y, yr + i);
                }
            } else {
                for (int up = bound(d); i < up; i += L) {
                    FloatVector.fromArray(S, x, xr + i).mul(rs).intoArray(y, yr + i);
                }
            }
            for (; i < d; i++) {
                float v = x[xr + i] * rs;
                y[yr + i] = w != null ? v * w[wo + i] : v;
            }
        }
    }
}
