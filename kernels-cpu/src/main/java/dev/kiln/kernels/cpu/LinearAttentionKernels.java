package dev.kiln.kernels.cpu;

import dev.kiln.kernels.cpu.AttentionKernels.Operand;

import java.util.Arrays;

import static dev.kiln.kernels.cpu.AttentionRows.axpy;
import static dev.kiln.kernels.cpu.AttentionRows.dot;
import static dev.kiln.kernels.cpu.AttentionRows.grain;
import static dev.kiln.kernels.cpu.AttentionRows.scaleRow;

/**
 * Linear attention in the prefix-sum form: per head a state S = Σ k_jᵀ·v_j (D×Dv) and z = Σ k_j grow
 * one key at a time, so each query costs O(D·Dv) and memory stays O(D·Dv). One task per (batch, head).
 */
final class LinearAttentionKernels {
    private LinearAttentionKernels() {
    }

    /** The last key query i sees (−1 if none): every key, or j ≤ i + Tk − Tq when causal. */
    private static int lastKey(boolean causal, int i, int tq, int tk) {
        return causal ? Math.min(tk - 1, i + tk - tq) : tk - 1;
    }

    /**
     * out_i = q_i·S_i / (q_i·z_i + eps) with S_i = Σ k_jᵀ·v_j and z_i = Σ k_j over the keys query i
     * sees, grown one key at a time (prefix sums) when causal. One task per (batch, head).
     */
    static void forward(float[] out, int outOff, Operand q, Operand k, Operand v, int nb, int nh, int tq, int tk,
                        int d, int dv, boolean causal, float eps) {
        if (nb == 0 || nh == 0 || tq == 0) {
            return;
        }
        long flopsPerTask = (long) (tq + tk) * Math.max(d, 1) * Math.max(dv, 1);
        Parallel.forRange(nb * nh, grain(flopsPerTask), (start, end) -> {
            float[] s = new float[d * dv];
            float[] z = new float[d];
            for (int bh = start; bh < end; bh++) {
                int b = bh / nh;
                int h = bh % nh;
                Arrays.fill(s, 0f);
                Arrays.fill(z, 0f);
                int next = 0; // the next key to add to the state
                for (int i = 0; i < tq; i++) {
                    int last = causal ? lastKey(true, i, tq, tk) : tk - 1;
                    for (; next <= last; next++) {
                        addOuter(s, z, k.a(), k.row(b, h, next), v.a(), v.row(b, h, next), d, dv);
                    }
                    int qi = q.row(b, h, i);
                    int o = outOff + (bh * tq + i) * dv;
                    float den = eps + dot(q.a(), qi, z, 0, d);
                    for (int c = 0; c < d; c++) {
                        axpy(out, o, q.a()[qi + c], s, c * dv, dv);
                    }
                    scaleRow(out, o, dv, 1f / den);
                }
            }
        });
    }

    /** s += kᵀ·v (s is D×Dv row-major) and z += k. */
    private static void addOuter(float[] s, float[] z, float[] k, int ko, float[] v, int vo, int d, int dv) {
        for (int c = 0; c < d; c++) {
            float kc = k[ko + c];
            z[c] += kc;
            axpy(s, c * dv, kc, v, vo, dv);
        }
    }

    /**
     * Backward of the prefix form. With n_i = q_i·S_i, den_i = eps + q_i·z_i and g_i = dout_i:
     * dn_i = g_i / den_i and dden_i = −(g_i·n_i)/den_i², so dq_i = S_i·dn_i + z_i·dden_i. Query i's
     * gradient reaches every key it sees: with G_j = Σ q_iᵀ·dn_i and y_j = Σ q_i·dden_i over the
     * queries that see key j (suffix sums when causal), dk_j = G_j·v_j + y_j and dv_j = G_jᵀ·k_j.
     * A forward sweep gives dq (keeping Sᵀ too, so S_i·dn_i is a sum of rows), a backward sweep dk
     * and dv (keeping G and Gᵀ).
     */
    static void backward(float[] dq, float[] dk, float[] dv, Operand dout, Operand q, Operand k, Operand v, int nb,
                         int nh, int tq, int tk, int d, int ndv, boolean causal, float eps) {
        if (nb == 0 || nh == 0 || tq == 0 || tk == 0) {
            return;
        }
        long flopsPerTask = 4L * (tq + tk) * Math.max(d, 1) * Math.max(ndv, 1);
        Parallel.forRange(nb * nh, grain(flopsPerTask), (start, end) -> {
            float[] s = new float[d * ndv];   // S, then G: D×Dv
            float[] st = new float[ndv * d];  // Sᵀ, then Gᵀ: Dv×D
            float[] z = new float[d];         // z, then y
            float[] dn = new float[ndv];
            float[] dden = new float[tq];
            float[] invDen = new float[tq];
            for (int bh = start; bh < end; bh++) {
                int b = bh / nh;
                int h = bh % nh;
                Arrays.fill(s, 0f);
                Arrays.fill(st, 0f);
                Arrays.fill(z, 0f);
                int next = 0;
                for (int i = 0; i < tq; i++) {
                    int last = lastKey(causal, i, tq, tk);
                    for (; next <= last; next++) {
                        addOuter(s, z, k.a(), k.row(b, h, next), v.a(), v.row(b, h, next), d, ndv);
                        addOuterT(st, v.a(), v.row(b, h, next), k.a(), k.row(b, h, next), ndv, d);
                    }
                    int qi = q.row(b, h, i);
                    int gi = dout.row(b, h, i);
                    float den = eps + dot(q.a(), qi, z, 0, d);
                    // g·n = Σ_c q[c] (S[c]·g)
                    float gn = 0;
                    for (int c = 0; c < d; c++) {
                        gn += q.a()[qi + c] * dot(s, c * ndv, dout.a(), gi, ndv);
                    }
                    invDen[i] = 1f / den;
                    dden[i] = -gn / (den * den);
                    int o = (bh * tq + i) * d;
                    for (int e = 0; e < ndv; e++) {
                        axpy(dq, o, dout.a()[gi + e] / den, st, e * d, d);
                    }
                    axpy(dq, o, dden[i], z, 0, d);
                }
                // backward sweep: G, Gᵀ and y over the queries that see key j
                Arrays.fill(s, 0f);
                Arrays.fill(st, 0f);
                Arrays.fill(z, 0f);
                int nextQ = tq - 1;
                for (int j = tk - 1; j >= 0; j--) {
                    for (; nextQ >= 0 && lastKey(causal, nextQ, tq, tk) >= j; nextQ--) {
                        int qi = q.row(b, h, nextQ);
                        int gi = dout.row(b, h, nextQ);
                        for (int e = 0; e < ndv; e++) {
                            dn[e] = dout.a()[gi + e] * invDen[nextQ];
                        }
                        addOuterNoSum(s, q.a(), qi, dn, 0, d, ndv);
                        addOuterT(st, dn, 0, q.a(), qi, ndv, d);
                        axpy(z, 0, dden[nextQ], q.a(), qi, d);
                    }
                    int kj = k.row(b, h, j);
                    int vj = v.row(b, h, j);
                    int dko = (bh * tk + j) * d;
                    int dvo = (bh * tk + j) * ndv;
                    System.arraycopy(z, 0, dk, dko, d);
                    for (int e = 0; e < ndv; e++) {
                        axpy(dk, dko, v.a()[vj + e], st, e * d, d);
                    }
                    for (int c = 0; c < d; c++) {
                        axpy(dv, dvo, k.a()[kj + c], s, c * ndv, ndv);
                    }
                }
            }
        });
    }

    /** t += xᵀ·y with t rows of length ny: t[r·ny + c] += x[xo + r]·y[yo + c] for r < nx. */
    private static void addOuterT(float[] t, float[] x, int xo, float[] y, int yo, int nx, int ny) {
        for (int r = 0; r < nx; r++) {
            axpy(t, r * ny, x[xo + r], y, yo, ny);
        }
    }

    /** s += xᵀ·y (D×Dv), without the running sum of x that {@link #addOuter} keeps. */
    private static void addOuterNoSum(float[] s, float[] x, int xo, float[] y, int yo, int d, int dv) {
        addOuterT(s, x, xo, y, yo, d, dv);
    }
}
