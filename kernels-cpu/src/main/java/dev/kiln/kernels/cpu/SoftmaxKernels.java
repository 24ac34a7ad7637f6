package dev.kiln.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fused F32 row kernels: softmax and log-softmax forward and backward, and cross-entropy with
 * logits forward and backward.
 *
 * <p>Along the last axis a row is contiguous: it is read from memory once and its later passes hit
 * L1 (a 1024-float row is 4 KiB). Along another axis the kernels take a slab [n, inner] and
 * vectorise across {@code inner}, so every lane works on its own row. Rows are processed in the
 * range [r0, r1) so the dispatcher can split them over threads. exp and log are {@link SimdMath}'s,
 * vector loops and scalar tails alike, so a row's bits do not depend on the JIT or on the SIMD width
 * of its elementwise parts (its sums still do: they run in lanes).
 */
public final class SoftmaxKernels {
    private static final VectorSpecies<Float> S = Simd.F32;
    private static final int L = S.length();

    private SoftmaxKernels() {
    }

    private static int bound(int n) {
        return Simd.ENABLED ? S.loopBound(n) : 0;
    }

    // ------------------------------------------------------------------ rows (dim = last)

    /** y = softmax(x) for rows [r0, r1) of length n. */
    public static void softmaxRows(float[] y, int yo, float[] x, int xo, int r0, int r1, int n) {
        for (int r = r0; r < r1; r++) {
            int xr = xo + r * n;
            int yr = yo + r * n;
            float max = ReduceKernels.max(x, xr, n);
            float sum = expShiftStore(y, yr, x, xr, n, max);
            scale(y, yr, n, 1f / sum);
        }
    }

    /**
     * y = (x − max) − log Σ exp(x − max) for rows [r0, r1) of length n. The two shifts are applied
     * one after the other: max + log Σ rounded to float would lose the digits of log Σ when |max|
     * is large (logits near 1000 keep only ~1e-4 of it).
     */
    public static void logSoftmaxRows(float[] y, int yo, float[] x, int xo, int r0, int r1, int n) {
        for (int r = r0; r < r1; r++) {
            int xr = xo + r * n;
            float max = ReduceKernels.max(x, xr, n);
            float logSum = SimdMath.log(expShiftSum(x, xr, n, max));
            shift2(y, yo + r * n, x, xr, n, max, logSum);
        }
    }

    /** dx = y ⊙ (dy − Σ dy ⊙ y) for rows [r0, r1) of length n. */
    public static void softmaxBackwardRows(float[] dx, int dxo, float[] y, int yo, float[] dy, int dyo, int r0, int r1,
                                           int n) {
        for (int r = r0; r < r1; r++) {
            int o = r * n;
            float dot = dot(y, yo + o, dy, dyo + o, n);
            int i = 0;
            for (int up = bound(n); i < up; i += L) {
                FloatVector yv = FloatVector.fromArray(S, y, yo + o + i);
                FloatVector.fromArray(S, dy, dyo + o + i).sub(dot).mul(yv).intoArray(dx, dxo + o + i);
            }
            for (; i < n; i++) {
                dx[dxo + o + i] = y[yo + o + i] * (dy[dyo + o + i] - dot);
            }
        }
    }

    /** dx = dy − exp(y) · Σ dy for rows [r0, r1) of length n (y is the log-softmax output). */
    public static void logSoftmaxBackwardRows(float[] dx, int dxo, float[] y, int yo, float[] dy, int dyo, int r0,
                                              int r1, int n) {
        for (int r = r0; r < r1; r++) {
            int o = r * n;
            float sum = (float) ReduceKernels.sum(dy, dyo + o, n);
            int i = 0;
            for (int up = bound(n); i < up; i += L) {
                FloatVector e = SimdMath.expNonPositive(FloatVector.fromArray(S, y, yo + o + i)); // y ≤ 0
                FloatVector.fromArray(S, dy, dyo + o + i).sub(e.mul(sum)).intoArray(dx, dxo + o + i);
            }
            for (; i < n; i++) {
                dx[dxo + o + i] = dy[dyo + o + i] - SimdMath.expNonPositive(y[yo + o + i]) * sum;
            }
        }
    }

    /** y = exp(x − shift), returning Σ y. */
    static float expShiftStore(float[] y, int yo, float[] x, int xo, int n, float shift) {
        int i = 0;
        float sum = 0;
        int up = bound(n);
        if (up > 0) {
            FloatVector acc = FloatVector.zero(S);
            for (; i < up; i += L) {
                FloatVector e = SimdMath.expNonPositive(FloatVector.fromArray(S, x, xo + i).sub(shift));
                e.intoArray(y, yo + i);
                acc = acc.add(e);
            }
            sum = Simd.sum(acc);
        }
        for (; i < n; i++) {
            float e = SimdMath.expNonPositive(x[xo + i] - shift);
            y[yo + i] = e;
            sum += e;
        }
        return sum;
    }

    /** Σ exp(x − shift), nothing stored. */
    static float expShiftSum(float[] x, int xo, int n, float shift) {
        int i = 0;
        float sum = 0;
        int up = bound(n);
        if (up > 0) {
            FloatVector acc = FloatVector.zero(S);
            for (; i < up; i += L) {
                acc = acc.add(SimdMath.expNonPositive(FloatVector.fromArray(S, x, xo + i).sub(shift)));
            }
            sum = Simd.sum(acc);
        }
        for (; i < n; i++) {
            sum += SimdMath.expNonPositive(x[xo + i] - shift);
        }
        return sum;
    }

    /** y *= s in place. */
    static void scale(float[] y, int yo, int n, float s) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            FloatVector.fromArray(S, y, yo + i).mul(s).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] *= s;
        }
    }

    /** y = (x − a) − b. */
    static void shift2(float[] y, int yo, float[] x, int xo, int n, float a, float b) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            FloatVector.fromArray(S, x, xo + i).sub(a).sub(b).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = (x[xo + i] - a) - b;
        }
    }

    /** Σ a ⊙ b. */
    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int i = 0;
        float sum = 0;
        int up = bound(n);
        if (up > 0) {
            FloatVector acc = FloatVector.zero(S);
            for (; i < up; i += L) {
                acc = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc);
            }
            sum = Simd.sum(acc);
        }
        for (; i < n; i++) {
            sum += a[ao + i] * b[bo + i];
        }
        return sum;
    }

    // ------------------------------------------------------------------ slabs (dim in the middle)

    /**
     * Softmax (or log-softmax) along the middle axis of x viewed as [outer, n, inner], for slabs
     * [o0, o1): each column c of a slab is one row, with stride inner; columns run in vector lanes.
     */
    public static void softmaxSlabs(boolean log, float[] y, int yo, float[] x, int xo, int o0, int o1, int n,
                                    int inner) {
        for (int o = o0; o < o1; o++) {
            int base = o * n * inner;
            int c = 0;
            for (int up = bound(inner); c < up; c += L) {
                int p = base + c;
                FloatVector max = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
                for (int k = 0; k < n; k++) {
                    max = max.max(FloatVector.fromArray(S, x, xo + p + k * inner));
                }
                FloatVector sum = FloatVector.zero(S);
                for (int k = 0; k < n; k++) {
                    FloatVector e = SimdMath.expNonPositive(FloatVector.fromArray(S, x, xo + p + k * inner).sub(max));
                    if (!log) {
                        e.intoArray(y, yo + p + k * inner);
                    }
                    sum = sum.add(e);
                }
                if (log) {
                    FloatVector logSum = SimdMath.log(sum);
                    for (int k = 0; k < n; k++) {
                        FloatVector.fromArray(S, x, xo + p + k * inner).sub(max).sub(logSum)
                                .intoArray(y, yo + p + k * inner);
                    }
                } else {
                    FloatVector inv = FloatVector.broadcast(S, 1f).div(sum);
                    for (int k = 0; k < n; k++) {
                        FloatVector.fromArray(S, y, yo + p + k * inner).mul(inv).intoArray(y, yo + p + k * inner);
                    }
                }
            }
            for (; c < inner; c++) {
                int p = base + c;
                float max = Float.NEGATIVE_INFINITY;
                for (int k = 0; k < n; k++) {
                    max = Math.max(max, x[xo + p + k * inner]);
                }
                float sum = 0;
                for (int k = 0; k < n; k++) {
                    float e = SimdMath.expNonPositive(x[xo + p + k * inner] - max);
                    if (!log) {
                        y[yo + p + k * inner] = e;
                    }
                    sum += e;
                }
                if (log) {
                    float logSum = SimdMath.log(sum);
                    for (int k = 0; k < n; k++) {
                        y[yo + p + k * inner] = (x[xo + p + k * inner] - max) - logSum;
                    }
                } else {
                    float inv = 1f / sum;
                    for (int k = 0; k < n; k++) {
                        y[yo + p + k * inner] *= inv;
                    }
                }
            }
        }
    }

    /**
     * Backward of {@link #softmaxSlabs} along the middle axis: softmax dx = y ⊙ (dy − Σ dy ⊙ y),
     * log-softmax dx = dy − exp(y) · Σ dy.
     */
    public static void softmaxBackwardSlabs(boolean log, float[] dx, int dxo, float[] y, int yo, float[] dy, int dyo,
                                            int o0, int o1, int n, int inner) {
        for (int o = o0; o < o1; o++) {
            int base = o * n * inner;
            int c = 0;
            for (int up = bound(inner); c < up; c += L) {
                int p = base + c;
                FloatVector acc = FloatVector.zero(S);
                for (int k = 0; k < n; k++) {
                    FloatVector g = FloatVector.fromArray(S, dy, dyo + p + k * inner);
                    acc = log ? acc.add(g) : g.fma(FloatVector.fromArray(S, y, yo + p + k * inner), acc);
                }
                for (int k = 0; k < n; k++) {
                    int q = p + k * inner;
                    FloatVector g = FloatVector.fromArray(S, dy, dyo + q);
                    FloatVector yv = FloatVector.fromArray(S, y, yo + q);
                    FloatVector r = log ? g.sub(SimdMath.expNonPositive(yv).mul(acc)) : g.sub(acc).mul(yv);
                    r.intoArray(dx, dxo + q);
                }
            }
            for (; c < inner; c++) {
                int p = base + c;
                float acc = 0;
                for (int k = 0; k < n; k++) {
                    acc += log ? dy[dyo + p + k * inner] : dy[dyo + p + k * inner] * y[yo + p + k * inner];
                }
                for (int k = 0; k < n; k++) {
                    int q = p + k * inner;
                    dx[dxo + q] = log ? dy[dyo + q] - SimdMath.expNonPositive(y[yo + q]) * acc
                            : y[yo + q] * (dy[dyo + q] - acc);
                }
            }
        }
    }

    // ------------------------------------------------------------------ cross-entropy with logits

    /**
     * loss[r] = logsumexp(x[r]) − x[r, labels[r]], or 0 where the label is ignoreIndex, for rows
     * [r0, r1) of c classes.
     */
    public static void crossEntropy(float[] loss, int lo, float[] x, int xo, int[] labels, int lbo, int ignoreIndex,
                                    int r0, int r1, int c) {
        for (int r = r0; r < r1; r++) {
            int label = labels[lbo + r];
            if (label == ignoreIndex) {
                loss[lo + r] = 0f;
                continue;
            }
            int xr = xo + r * c;
            float max = ReduceKernels.max(x, xr, c);
            // (max − x[label]) + log Σ: never rounds max + log Σ, which loses digits for large logits
            loss[lo + r] = (max - x[xr + label]) + SimdMath.log(expShiftSum(x, xr, c, max));
        }
    }

    /**
     * dx[r] = dloss[r] · (softmax(x[r]) − onehot(labels[r])), zero for ignored rows: the gradient
     * straight from the logits, without materialising the softmax separately.
     */
    public static void crossEntropyBackward(float[] dx, int dxo, float[] x, int xo, int[] labels, int lbo,
                                            float[] dloss, int dlo, int ignoreIndex, int r0, int r1, int c) {
        for (int r = r0; r < r1; r++) {
            int label = labels[lbo + r];
            int dr = dxo + r * c;
            if (label == ignoreIndex) {
                ElementwiseKernels.fill(dx, dr, 1, 0f, c);
                continue;
            }
            int xr = xo + r * c;
            float max = ReduceKernels.max(x, xr, c);
            float sum = expShiftStore(dx, dr, x, xr, c, max);
            float g = dloss[dlo + r];
            scale(dx, dr, c, g / sum);
            dx[dr + label] -= g;
        }
    }
}
