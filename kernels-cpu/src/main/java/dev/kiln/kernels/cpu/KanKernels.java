package dev.kiln.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The KAN B-spline basis ({@link dev.kiln.tensor.spi.Backend#bsplineBasis}) in F32, forward (values and
 * dB/dx in one pass) and backward side by side.
 *
 * <p>The reference builds all K − 1 order-0 indicators of an element and runs Cox–de Boor over
 * them. Only order + 1 basis functions are non-zero at a point, so this kernel finds the knot span
 * m with t_m ≤ x < t_{m+1} and runs de Boor's triangular scheme on that span alone (The NURBS
 * Book, algorithm A2.2): order·(order + 1)/2 steps instead of K·order. The derivative costs no
 * division of its own: the last level's quotients q_r = B^{k−1}_{m−k+1+r}/(t_{m+r+1} − t_{m+r+1−k})
 * give dB_{m−k+r}/dx = k·(q_{r−1} − q_r). Vector lanes are consecutive rows of one input, so they
 * share a knot vector: the span is a count of knots ≤ x (one compare per knot, no branches), the
 * span's knots are gathered, and each lane scatters its order + 1 values into its own row (on
 * AVX-512 the masked scatter beat a scalar write-back, measured single-threaded).
 *
 * <p>Knots outside the grid (the triangle asks for t_{m−order+1} .. t_{m+order}) come from a
 * padded copy of each knot row, extended with its mean spacing. They only ever feed basis
 * functions that do not exist on the grid and are never stored: B_j depends on t_j .. t_{j+order+1}
 * alone.
 */
final class KanKernels {
    private static final VectorSpecies<Float> S = Simd.F32;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, S.vectorShape());
    private static final int L = S.length();

    private KanKernels() {
    }

    /**
     * out [rows, in, n] (and derivative, when non-null) from x [rows, in] and grid [in, knots],
     * n = knots − 1 − order; out and derivative zero-filled on entry.
     */
    static void bsplineBasis(float[] out, int outOff, float[] der, int derOff, float[] x, int xOff, float[] grid,
                             int gridOff, int rows, int in, int knots, int order) {
        if (rows == 0 || in == 0) {
            return;
        }
        int width = knots + 2 * order;
        float[] padded = padKnots(grid, gridOff, in, knots, order);
        int grain = Math.max(1, 4096 / (in * (order + 1)));
        Parallel.forRange(rows, grain, (r0, r1) -> {
            Scratch s = new Scratch(order, in);
            int r = r0;
            if (Simd.ENABLED) {
                for (; r + L <= r1; r += L) {
                    for (int i = 0; i < in; i++) {
                        spanBlock(s, out, outOff, der, derOff, x, xOff, padded, i * width, r, i, in, knots, order);
                    }
                }
            }
            for (; r < r1; r++) {
                for (int i = 0; i < in; i++) {
                    int q = r * in + i;
                    one(s, out, outOff + q * (knots - 1 - order), der, der == null ? 0 : derOff + q * (knots - 1 - order),
                            x[xOff + q], padded, i * width, knots, order);
                }
            }
        });
    }

    /** Each knot row with {@code order} extra knots on both sides, spaced by the row's mean spacing. */
    private static float[] padKnots(float[] grid, int gridOff, int in, int knots, int order) {
        int width = knots + 2 * order;
        float[] p = new float[in * width];
        for (int i = 0; i < in; i++) {
            int g = gridOff + i * knots;
            float lo = grid[g];
            float hi = grid[g + knots - 1];
            float step = hi > lo ? (hi - lo) / (knots - 1) : 1f;
            for (int j = 0; j < width; j++) {
                int t = j - order;
                p[i * width + j] = t < 0 ? lo + t * step : t >= knots ? hi + (t - knots + 1) * step : grid[g + t];
            }
        }
        return p;
    }

    /** Per-thread work arrays: the triangle's values, the knot distances and the gather/scatter indices. */
    private static final class Scratch {
        final float[] n;
        final float[] n1;
        final float[] left;
        final float[] right;
        final int[] span = new int[L];
        final int[] xIndex = new int[L];
        final int[] outIndex = new int[L];

        Scratch(int order, int in) {
            for (int l = 0; l < L; l++) {
                xIndex[l] = l * in; // lane l reads row l of the block
            }
            n = new float[(order + 1) * L];
            n1 = new float[Math.max(order, 1) * L];
            left = new float[(order + 1) * L];
            right = new float[(order + 1) * L];
        }
    }

    /** Rows r0 .. r0 + L − 1 of input i, one lane each. */
    private static void spanBlock(Scratch s, float[] out, int outOff, float[] der, int derOff, float[] x, int xOff,
                                  float[] p, int pb, int r0, int i, int in, int knots, int order) {
        int n = knots - 1 - order;
        int k0 = pb + order; // p[k0 + j] = t_j
        FloatVector xv;
        if (in == 1) {
            xv = FloatVector.fromArray(S, x, xOff + r0);
        } else {
            xv = FloatVector.fromArray(S, x, xOff + r0 * in + i, s.xIndex, 0);
        }
        VectorMask<Float> nan = xv.test(VectorOperators.IS_NAN);
        VectorMask<Float> inside = xv.compare(VectorOperators.GE, p[k0]).and(xv.compare(VectorOperators.LT, p[k0 + knots - 1]));
        if (nan.anyTrue()) {
            for (int l = 0; l < L; l++) {
                if (nan.laneIsSet(l)) {
                    fillNaN(out, outOff + ((r0 + l) * in + i) * n, der, derOff + ((r0 + l) * in + i) * n, n);
                }
            }
        }
        if (!inside.anyTrue()) {
            return;
        }
        // span m = #{j in 1..knots−2 : t_j <= x}: the largest m with t_m <= x < t_{m+1} for x inside
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector mf = FloatVector.zero(S);
        for (int j = 1; j <= knots - 2; j++) {
            mf = mf.add(one, xv.compare(VectorOperators.GE, p[k0 + j]));
        }
        IntVector m = (IntVector) mf.convert(VectorOperators.F2I, 0);
        m.intoArray(s.span, 0);
        for (int j = 1; j <= order; j++) {
            FloatVector tl = FloatVector.fromArray(S, p, k0 + 1 - j, s.span, 0);
            FloatVector tr = FloatVector.fromArray(S, p, k0 + j, s.span, 0);
            xv.sub(tl).intoArray(s.left, j * L);
            tr.sub(xv).intoArray(s.right, j * L);
        }
        // de Boor's triangle: after level j, n[r] holds B^j_{m−j+r}. At the last level temp_r =
        // B^{order−1}_{m−order+1+r}/(t_{m+r+1} − t_{m+r+1−order}), the very quotients of the derivative.
        one.intoArray(s.n, 0);
        for (int j = 1; j <= order; j++) {
            FloatVector saved = FloatVector.zero(S);
            for (int r = 0; r < j; r++) {
                FloatVector rr = FloatVector.fromArray(S, s.right, (r + 1) * L);
                FloatVector ll = FloatVector.fromArray(S, s.left, (j - r) * L);
                FloatVector temp = FloatVector.fromArray(S, s.n, r * L).div(rr.add(ll));
                if (j == order) {
                    temp.intoArray(s.n1, r * L);
                }
                rr.fma(temp, saved).intoArray(s.n, r * L);
                saved = ll.mul(temp);
            }
            saved.intoArray(s.n, j * L);
        }
        // lane l's row starts at ((r0 + l)·in + i)·n; its non-zero functions are m − order .. m. The
        // scatter index is clamped into the row (the Vector API range-checks masked-off lanes too).
        IntVector rowStart = IntVector.zero(I).addIndex(in * n).add((r0 * in + i) * n);
        FloatVector first = mf.sub((float) order);
        for (int r = 0; r <= order; r++) {
            FloatVector j = first.add((float) r);
            VectorMask<Float> store = inside.and(j.compare(VectorOperators.GE, 0f)).and(j.compare(VectorOperators.LT, (float) n));
            m.add(r - order).max(0).min(n - 1).add(rowStart).intoArray(s.outIndex, 0);
            FloatVector.fromArray(S, s.n, r * L).intoArray(out, outOff, s.outIndex, 0, store);
            if (der != null && order > 0) {
                // dB_{m−order+r}/dx = order·(temp_{r−1} − temp_r), temp_{−1} = temp_order = 0
                FloatVector d = r >= 1 ? FloatVector.fromArray(S, s.n1, (r - 1) * L) : FloatVector.zero(S);
                if (r <= order - 1) {
                    d = d.sub(FloatVector.fromArray(S, s.n1, r * L));
                }
                d.mul((float) order).intoArray(der, derOff, s.outIndex, 0, store);
            }
        }
    }

    /** One element on the scalar path: the same span search and triangle. */
    private static void one(Scratch s, float[] out, int o, float[] der, int d, float v, float[] p, int pb, int knots,
                            int order) {
        int n = knots - 1 - order;
        int k0 = pb + order;
        if (Float.isNaN(v)) {
            fillNaN(out, o, der, d, n);
            return;
        }
        if (!(v >= p[k0] && v < p[k0 + knots - 1])) {
            return;
        }
        int lo = 0;
        int hi = knots - 2;
        while (lo < hi) { // the largest m in [0, knots − 2] with t_m <= v
            int mid = (lo + hi + 1) >>> 1;
            if (p[k0 + mid] <= v) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        int m = lo;
        float[] nn = s.n;
        float[] left = s.left;
        float[] right = s.right;
        for (int j = 1; j <= order; j++) {
            left[j] = v - p[k0 + m + 1 - j];
            right[j] = p[k0 + m + j] - v;
        }
        nn[0] = 1f;
        float[] last = s.n1;
        for (int j = 1; j <= order; j++) {
            float saved = 0f;
            for (int r = 0; r < j; r++) {
                float temp = nn[r] / (right[r + 1] + left[j - r]);
                last[r] = temp; // what the last level leaves here are the derivative's quotients
                nn[r] = saved + right[r + 1] * temp;
                saved = left[j - r] * temp;
            }
            nn[j] = saved;
        }
        for (int r = 0; r <= order; r++) {
            int j = m - order + r;
            if (j < 0 || j >= n) {
                continue;
            }
            out[o + j] = nn[r];
            if (der != null && order > 0) {
                der[d + j] = order * ((r >= 1 ? last[r - 1] : 0f) - (r <= order - 1 ? last[r] : 0f));
            }
        }
    }

    private static void fillNaN(float[] out, int o, float[] der, int d, int n) {
        java.util.Arrays.fill(out, o, o + n, Float.NaN);
        if (der != null) {
            java.util.Arrays.fill(der, d, d + n, Float.NaN);
        }
    }

    /** dx[q] = Σ_j dy[q, j]·derivative[q, j] over q = 0..m−1 rows of n. */
    static void bsplineBasisBackward(float[] dx, int dxOff, float[] dy, int dyOff, float[] der, int derOff, int m,
                                     int n) {
        Parallel.forRange(m, Math.max(1, (1 << 14) / Math.max(n, 1)), (q0, q1) -> {
            for (int q = q0; q < q1; q++) {
                int a = dyOff + q * n;
                int b = derOff + q * n;
                int j = 0;
                float acc = 0f;
                if (Simd.ENABLED && n >= L) {
                    FloatVector sum = FloatVector.zero(S);
                    for (; j + L <= n; j += L) {
                        sum = FloatVector.fromArray(S, dy, a + j).fma(FloatVector.fromArray(S, der, b + j), sum);
                    }
                    acc = Simd.sum(sum);
                }
                for (; j < n; j++) {
                    acc += dy[a + j] * der[b + j];
                }
                dx[dxOff + q] = acc;
            }
        });
    }
}
