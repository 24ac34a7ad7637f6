package dev.kiln.kernels.cpu;

import dev.kiln.tensor.spi.ReduceOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * F32 reductions over flat arrays: a whole run, each row of a matrix (last axis), or down the
 * columns of a slab (any other axis: rows of length {@code inner} reduced elementwise), plus
 * argmax/argmin.
 *
 * <p>Sums accumulate in float vectors over blocks of {@value #BLOCK} elements (or rows) and add
 * the block totals together, so the rounding error grows with the block length and the number of
 * blocks rather than with n. MAX and MIN propagate NaN, as {@link Math#max} does.
 */
public final class ReduceKernels {
    private static final VectorSpecies<Float> S = Simd.F32;
    private static final int L = S.length();
    /** Elements (or rows) summed in float before the partial sum is folded into the total. */
    static final int BLOCK = 2048;

    private ReduceKernels() {
    }

    private static int bound(int n) {
        return Simd.ENABLED ? S.loopBound(n) : 0;
    }

    /** The value a reduction starts from. */
    public static float identity(ReduceOp op) {
        return switch (op) {
            case SUM -> 0f;
            case MAX -> Float.NEGATIVE_INFINITY;
            case MIN -> Float.POSITIVE_INFINITY;
        };
    }

    /** op applied to two partial results (NaN wins for MAX and MIN). */
    public static float combine(ReduceOp op, float a, float b) {
        return switch (op) {
            case SUM -> a + b;
            case MAX -> Math.max(a, b);
            case MIN -> Math.min(a, b);
        };
    }

    // ------------------------------------------------------------------ a whole run

    /** op over x[xo .. xo+n) (the identity for n = 0). */
    public static float reduce(ReduceOp op, float[] x, int xo, int n) {
        return switch (op) {
            case SUM -> (float) sum(x, xo, n);
            case MAX -> max(x, xo, n);
            case MIN -> min(x, xo, n);
        };
    }

    /** Σ x[xo .. xo+n), blockwise in float vectors, totals in double. */
    public static double sum(float[] x, int xo, int n) {
        double total = 0;
        int i = 0;
        int up = bound(n);
        while (i < up) {
            int end = Math.min(up, i + BLOCK);
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = FloatVector.zero(S);
            FloatVector a2 = FloatVector.zero(S);
            FloatVector a3 = FloatVector.zero(S);
            for (; i + 4 * L <= end; i += 4 * L) {
                a0 = a0.add(FloatVector.fromArray(S, x, xo + i));
                a1 = a1.add(FloatVector.fromArray(S, x, xo + i + L));
                a2 = a2.add(FloatVector.fromArray(S, x, xo + i + 2 * L));
                a3 = a3.add(FloatVector.fromArray(S, x, xo + i + 3 * L));
            }
            for (; i < end; i += L) {
                a0 = a0.add(FloatVector.fromArray(S, x, xo + i));
            }
            total += Simd.sum(a0.add(a1).add(a2.add(a3)));
        }
        for (; i < n; i++) {
            total += x[xo + i];
        }
        return total;
    }

    /** max of x[xo .. xo+n); NaN if any element is NaN; −∞ for n = 0. */
    public static float max(float[] x, int xo, int n) {
        int i = 0;
        float m = Float.NEGATIVE_INFINITY;
        int up = bound(n);
        if (up > 0) {
            FloatVector a0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            FloatVector a1 = a0;
            for (; i + 2 * L <= up; i += 2 * L) {
                a0 = a0.max(FloatVector.fromArray(S, x, xo + i));
                a1 = a1.max(FloatVector.fromArray(S, x, xo + i + L));
            }
            for (; i < up; i += L) {
                a0 = a0.max(FloatVector.fromArray(S, x, xo + i));
            }
            m = a0.max(a1).reduceLanes(VectorOperators.MAX); // NaN in any lane gives NaN, as Math.max
        }
        for (; i < n; i++) {
            m = Math.max(m, x[xo + i]);
        }
        return m;
    }

    /** min of x[xo .. xo+n); NaN if any element is NaN; +∞ for n = 0. */
    public static float min(float[] x, int xo, int n) {
        int i = 0;
        float m = Float.POSITIVE_INFINITY;
        int up = bound(n);
        if (up > 0) {
            FloatVector a0 = FloatVector.broadcast(S, Float.POSITIVE_INFINITY);
            FloatVector a1 = a0;
            for (; i + 2 * L <= up; i += 2 * L) {
                a0 = a0.min(FloatVector.fromArray(S, x, xo + i));
                a1 = a1.min(FloatVector.fromArray(S, x, xo + i + L));
            }
            for (; i < up; i += L) {
                a0 = a0.min(FloatVector.fromArray(S, x, xo + i));
            }
            m = a0.min(a1).reduceLanes(VectorOperators.MIN);
        }
        for (; i < n; i++) {
            m = Math.min(m, x[xo + i]);
        }
        return m;
    }

    /** op over n elements of x stepping by xs (scalar; sums in double). */
    public static float reduceStrided(ReduceOp op, float[] x, int xo, int xs, int n) {
        if (xs == 1) {
            return reduce(op, x, xo, n);
        }
        switch (op) {
            case SUM -> {
                double s = 0;
                for (int i = 0; i < n; i++) {
                    s += x[xo + i * xs];
                }
                return (float) s;
            }
            case MAX -> {
                float m = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < n; i++) {
                    m = Math.max(m, x[xo + i * xs]);
                }
                return m;
            }
            default -> {
                float m = Float.POSITIVE_INFINITY;
                for (int i = 0; i < n; i++) {
                    m = Math.min(m, x[xo + i * xs]);
                }
                return m;
            }
        }
    }

    /** y[i·ys] = op(y[i·ys], x[i·xs]) for n elements (the generic path's accumulate step). */
    public static void accumulate(ReduceOp op, float[] y, int yo, int ys, float[] x, int xo, int xs, int n) {
        for (int i = 0; i < n; i++) {
            int t = yo + i * ys;
            y[t] = combine(op, y[t], x[xo + i * xs]);
        }
    }

    // ------------------------------------------------------------------ last axis

    /** y[r] = op over row r of x, rows [r0, r1) of length n. */
    public static void rows(ReduceOp op, float[] y, int yo, float[] x, int xo, int r0, int r1, int n) {
        for (int r = r0; r < r1; r++) {
            y[yo + r] = reduce(op, x, xo + r * n, n);
        }
    }

    // ------------------------------------------------------------------ down the columns of a slab

    /**
     * y[c] = op over k of x[xo + k·inner + c], for k in [0, n) and columns c in [c0, c1): the
     * reduction of a [n, inner] slab along its first axis, vectorised across columns.
     */
    public static void columns(ReduceOp op, float[] y, int yo, float[] x, int xo, int n, int inner, int c0, int c1) {
        switch (op) {
            case SUM -> sumColumns(y, yo, x, xo, n, inner, c0, c1);
            case MAX -> maxColumns(y, yo, x, xo, n, inner, c0, c1);
            case MIN -> minColumns(y, yo, x, xo, n, inner, c0, c1);
        }
    }

    private static void sumColumns(float[] y, int yo, float[] x, int xo, int n, int inner, int c0, int c1) {
        int c = c0;
        if (Simd.ENABLED) {
            for (; c + 4 * L <= c1; c += 4 * L) {
                FloatVector t0 = FloatVector.zero(S);
                FloatVector t1 = t0;
                FloatVector t2 = t0;
                FloatVector t3 = t0;
                for (int k0 = 0; k0 < n; k0 += BLOCK) {
                    int k1 = Math.min(n, k0 + BLOCK);
                    FloatVector a0 = FloatVector.zero(S);
                    FloatVector a1 = a0;
                    FloatVector a2 = a0;
                    FloatVector a3 = a0;
                    for (int k = k0; k < k1; k++) {
                        int p = xo + k * inner + c;
                        a0 = a0.add(FloatVector.fromArray(S, x, p));
                        a1 = a1.add(FloatVector.fromArray(S, x, p + L));
                        a2 = a2.add(FloatVector.fromArray(S, x, p + 2 * L));
                        a3 = a3.add(FloatVector.fromArray(S, x, p + 3 * L));
                    }
                    t0 = t0.add(a0);
                    t1 = t1.add(a1);
                    t2 = t2.add(a2);
                    t3 = t3.add(a3);
                }
                t0.intoArray(y, yo + c);
                t1.intoArray(y, yo + c + L);
                t2.intoArray(y, yo + c + 2 * L);
                t3.intoArray(y, yo + c + 3 * L);
            }
            for (; c + L <= c1; c += L) {
                FloatVector t = FloatVector.zero(S);
                for (int k0 = 0; k0 < n; k0 += BLOCK) {
                    int k1 = Math.min(n, k0 + BLOCK);
                    FloatVector a = FloatVector.zero(S);
                    for (int k = k0; k < k1; k++) {
                        a = a.add(FloatVector.fromArray(S, x, xo + k * inner + c));
                    }
                    t = t.add(a);
                }
                t.intoArray(y, yo + c);
            }
        }
        // a vector lane's sum, in scalar code: a column's bits do not depend on whether it fell in a
        // lane or in the tail (where a thread's column range ends depends on the thread count)
        for (; c < c1; c++) {
            float t = 0f;
            for (int k0 = 0; k0 < n; k0 += BLOCK) {
                int k1 = Math.min(n, k0 + BLOCK);
                float a = 0f;
                for (int k = k0; k < k1; k++) {
                    a += x[xo + k * inner + c];
                }
                t += a;
            }
            y[yo + c] = t;
        }
    }

    private static void maxColumns(float[] y, int yo, float[] x, int xo, int n, int inner, int c0, int c1) {
        int c = c0;
        if (Simd.ENABLED) {
            for (; c + 2 * L <= c1; c += 2 * L) {
                FloatVector a0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
                FloatVector a1 = a0;
                for (int k = 0; k < n; k++) {
                    int p = xo + k * inner + c;
                    a0 = a0.max(FloatVector.fromArray(S, x, p));
                    a1 = a1.max(FloatVector.fromArray(S, x, p + L));
                }
                a0.intoArray(y, yo + c);
                a1.intoArray(y, yo + c + L);
            }
            for (; c + L <= c1; c += L) {
                FloatVector a = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
                for (int k = 0; k < n; k++) {
                    a = a.max(FloatVector.fromArray(S, x, xo + k * inner + c));
                }
                a.intoArray(y, yo + c);
            }
        }
        for (; c < c1; c++) {
            float m = Float.NEGATIVE_INFINITY;
            for (int k = 0; k < n; k++) {
                m = Math.max(m, x[xo + k * inner + c]);
            }
            y[yo + c] = m;
        }
    }

    private static void minColumns(float[] y, int yo, float[] x, int xo, int n, int inner, int c0, int c1) {
        int c = c0;
        if (Simd.ENABLED) {
            for (; c + 2 * L <= c1; c += 2 * L) {
                FloatVector a0 = FloatVector.broadcast(S, Float.POSITIVE_INFINITY);
                FloatVector a1 = a0;
                for (int k = 0; k < n; k++) {
                    int p = xo + k * inner + c;
                    a0 = a0.min(FloatVector.fromArray(S, x, p));
                    a1 = a1.min(FloatVector.fromArray(S, x, p + L));
                }
                a0.intoArray(y, yo + c);
                a1.intoArray(y, yo + c + L);
            }
            for (; c + L <= c1; c += L) {
                FloatVector a = FloatVector.broadcast(S, Float.POSITIVE_INFINITY);
                for (int k = 0; k < n; k++) {
                    a = a.min(FloatVector.fromArray(S, x, xo + k * inner + c));
                }
                a.intoArray(y, yo + c);
            }
        }
        for (; c < c1; c++) {
            float m = Float.POSITIVE_INFINITY;
            for (int k = 0; k < n; k++) {
                m = Math.min(m, x[xo + k * inner + c]);
            }
            y[yo + c] = m;
        }
    }

    // ------------------------------------------------------------------ argmax / argmin

    /**
     * y[o·inner + c] = the index k of the first max (or min) of x[(o·n + k)·inner + c] over k, for
     * outer slabs [o0, o1); the first NaN counts as the extremum, as the reference.
     */
    public static void arg(boolean max, int[] y, int yo, float[] x, int xo, int o0, int o1, int n, int inner) {
        for (int o = o0; o < o1; o++) {
            for (int c = 0; c < inner; c++) {
                int base = xo + o * n * inner + c;
                int best = 0;
                float bv = x[base];
                for (int k = 1; k < n && bv == bv; k++) {
                    float v = x[base + k * inner];
                    if (v != v || (max ? v > bv : v < bv)) {
                        best = k;
                        bv = v;
                    }
                }
                y[yo + o * inner + c] = best;
            }
        }
    }
}
