package dev.kiln.tensor.spi;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;

/**
 * The reference attention loops of {@link ReferenceBackend}: one query row at a time, in double,
 * straight from the formulas (a full row of scores per query, softmax recomputed from scratch in
 * backward). Slow and obviously right: the oracle the fused kernels are held against.
 */
final class ReferenceAttention {
    private ReferenceAttention() {
    }

    /** Reads a [B, H, T, D] tensor through its strides. */
    private record View(CpuStorage s, int off, int sb, int sh, int st, int sd) {
        View(Tensor t) {
            this((CpuStorage) t.storage(), t.offset(), t.strides()[0], t.strides()[1], t.strides()[2],
                    t.strides()[3]);
        }

        double get(int b, int h, int t, int d) {
            return s.get(off + b * sb + h * sh + t * st + d * sd);
        }

        void set(int b, int h, int t, int d, double v) {
            s.set(off + b * sb + h * sh + t * st + d * sd, v);
        }
    }

    /** The last key query i sees: all keys, or keys j ≤ i + Tk − Tq when causal (end-aligned). */
    static int lastKey(boolean causal, int i, int tq, int tk) {
        return causal ? Math.min(tk - 1, i + tk - tq) : tk - 1;
    }

    /**
     * Row i's masked, scaled scores into s[0..last] (−∞ where the mask hides a key); returns their max.
     * A BOOL mask hides the keys where it is false, a float mask is added.
     */
    private static double scores(double[] s, View qv, View kv, View mv, boolean boolMask, int b, int h, int hk, int i,
                                 int last, int d, double scale) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j <= last; j++) {
            double dot = 0;
            for (int c = 0; c < d; c++) {
                dot += qv.get(b, h, i, c) * kv.get(b, hk, j, c);
            }
            s[j] = dot * scale;
            if (mv != null) {
                double m = mv.get(b, h, i, j);
                s[j] = boolMask ? (m != 0 ? s[j] : Double.NEGATIVE_INFINITY) : s[j] + m;
            }
            max = Math.max(max, s[j]);
        }
        return max;
    }

    static void sdpa(Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal,
                     double scale) {
        int nb = q.size(0), nh = q.size(1), tq = q.size(2), d = q.size(3);
        int hkv = k.size(1), tk = k.size(2), dv = v.size(3);
        View qv = new View(q), kv = new View(k), vv = new View(v), ov = new View(out);
        View mv = mask == null ? null : new View(mask);
        boolean boolMask = mask != null && mask.dtype() == DType.BOOL;
        CpuStorage ls = (CpuStorage) lse.storage();
        double[] s = new double[tk];
        for (int b = 0; b < nb; b++) {
            for (int h = 0; h < nh; h++) {
                int hk = h / (nh / hkv);
                for (int i = 0; i < tq; i++) {
                    int last = lastKey(causal, i, tq, tk);
                    double max = scores(s, qv, kv, mv, boolMask, b, h, hk, i, last, d, scale);
                    boolean blind = max == Double.NEGATIVE_INFINITY; // every key hidden: zeros, lse −∞
                    double sum = 0;
                    for (int j = 0; j <= last && !blind; j++) {
                        sum += Math.exp(s[j] - max);
                    }
                    for (int e = 0; e < dv; e++) {
                        double o = 0;
                        for (int j = 0; j <= last && !blind; j++) {
                            o += Math.exp(s[j] - max) / sum * vv.get(b, hk, j, e);
                        }
                        ov.set(b, h, i, e, o);
                    }
                    double rowLse = blind ? Double.NEGATIVE_INFINITY : max + Math.log(sum);
                    ls.set(lse.offset() + (b * nh + h) * tq + i, rowLse);
                }
            }
        }
    }

    static void sdpaBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dmask, Tensor dout, Tensor q, Tensor k, Tensor v,
                             Tensor mask, boolean causal, double scale) {
        int nb = q.size(0), nh = q.size(1), tq = q.size(2), d = q.size(3);
        int hkv = k.size(1), tk = k.size(2), ndv = v.size(3);
        View qv = new View(q), kv = new View(k), vv = new View(v), gv = new View(dout);
        View mv = mask == null ? null : new View(mask);
        View gm = dmask == null ? null : new View(dmask);
        boolean boolMask = mask != null && mask.dtype() == DType.BOOL;
        double[][][][] gq = new double[nb][nh][tq][d];
        double[][][][] gk = new double[nb][hkv][tk][d];
        double[][][][] gvv = new double[nb][hkv][tk][ndv];
        double[] p = new double[tk];
        double[] dp = new double[tk];
        for (int b = 0; b < nb; b++) {
            for (int h = 0; h < nh; h++) {
                int hk = h / (nh / hkv);
                for (int i = 0; i < tq; i++) {
                    int last = lastKey(causal, i, tq, tk);
                    double max = scores(p, qv, kv, mv, boolMask, b, h, hk, i, last, d, scale);
                    if (max == Double.NEGATIVE_INFINITY) {
                        continue; // a row that sees no key: zero output, zero gradients
                    }
                    double sum = 0;
                    for (int j = 0; j <= last; j++) {
                        p[j] = Math.exp(p[j] - max);
                        sum += p[j];
                    }
                    double rowDot = 0; // rowsum(dP ⊙ P)
                    for (int j = 0; j <= last; j++) {
                        p[j] /= sum;
                        double g = 0;
                        for (int e = 0; e < ndv; e++) {
                            g += gv.get(b, h, i, e) * vv.get(b, hk, j, e);
                        }
                        dp[j] = g;
                        rowDot += g * p[j];
                    }
                    for (int j = 0; j <= last; j++) {
                        double dsMask = p[j] * (dp[j] - rowDot); // dL/d(score + mask)
                        if (gm != null) {
                            gm.set(b, h, i, j, dsMask);
                        }
                        double ds = dsMask * scale;
                        for (int c = 0; c < d; c++) {
                            gq[b][h][i][c] += ds * kv.get(b, hk, j, c);
                            gk[b][hk][j][c] += ds * qv.get(b, h, i, c);
                        }
                        for (int e = 0; e < ndv; e++) {
                            gvv[b][hk][j][e] += p[j] * gv.get(b, h, i, e);
                        }
                    }
                }
            }
        }
        write(dq, gq);
        write(dk, gk);
        write(dv, gvv);
    }

    /**
     * The quadratic form, straight from the definition: with a_ij = q_i·k_j over the keys query i
     * sees, out_i = Σ a_ij v_j / (eps + Σ a_ij).
     */
    static void linear(Tensor out, Tensor q, Tensor k, Tensor v, boolean causal, double eps) {
        int nb = q.size(0), nh = q.size(1), tq = q.size(2), d = q.size(3);
        int tk = k.size(2), dv = v.size(3);
        View qv = new View(q), kv = new View(k), vv = new View(v), ov = new View(out);
        double[] a = new double[tk];
        for (int b = 0; b < nb; b++) {
            for (int h = 0; h < nh; h++) {
                for (int i = 0; i < tq; i++) {
                    int last = lastKey(causal, i, tq, tk);
                    double den = eps;
                    for (int j = 0; j <= last; j++) {
                        a[j] = 0;
                        for (int c = 0; c < d; c++) {
                            a[j] += qv.get(b, h, i, c) * kv.get(b, h, j, c);
                        }
                        den += a[j];
                    }
                    for (int e = 0; e < dv; e++) {
                        double o = 0;
                        for (int j = 0; j <= last; j++) {
                            o += a[j] * vv.get(b, h, j, e);
                        }
                        ov.set(b, h, i, e, o / den);
                    }
                }
            }
        }
    }

    /**
     * Backward of the quadratic form: ∂out_i/∂a_ij = (v_j − out_i)/den_i, so
     * dA_ij = (dout_i·v_j − dout_i·out_i)/den_i; dq_i = Σ_j dA_ij k_j, dk_j = Σ_i dA_ij q_i and
     * dv_j = Σ_i a_ij/den_i · dout_i.
     */
    static void linearBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k, Tensor v,
                               boolean causal, double eps) {
        int nb = q.size(0), nh = q.size(1), tq = q.size(2), d = q.size(3);
        int tk = k.size(2), ndv = v.size(3);
        View qv = new View(q), kv = new View(k), vv = new View(v), gv = new View(dout);
        double[][][][] gq = new double[nb][nh][tq][d];
        double[][][][] gk = new double[nb][nh][tk][d];
        double[][][][] gvv = new double[nb][nh][tk][ndv];
        double[] a = new double[tk];
        double[] o = new double[ndv];
        for (int b = 0; b < nb; b++) {
            for (int h = 0; h < nh; h++) {
                for (int i = 0; i < tq; i++) {
                    int last = lastKey(causal, i, tq, tk);
                    double den = eps;
                    for (int j = 0; j <= last; j++) {
                        a[j] = 0;
                        for (int c = 0; c < d; c++) {
                            a[j] += qv.get(b, h, i, c) * kv.get(b, h, j, c);
                        }
                        den += a[j];
                    }
                    double gDotO = 0;
                    for (int e = 0; e < ndv; e++) {
                        o[e] = 0;
                        for (int j = 0; j <= last; j++) {
                            o[e] += a[j] * vv.get(b, h, j, e);
                        }
                        o[e] /= den;
                        gDotO += gv.get(b, h, i, e) * o[e];
                    }
                    for (int j = 0; j <= last; j++) {
                        double gDotV = 0;
                        for (int e = 0; e < ndv; e++) {
                            gDotV += gv.get(b, h, i, e) * vv.get(b, h, j, e);
                            gvv[b][h][j][e] += a[j] / den * gv.get(b, h, i, e);
                        }
                        double da = (gDotV - gDotO) / den;
                        for (int c = 0; c < d; c++) {
                            gq[b][h][i][c] += da * kv.get(b, h, j, c);
                            gk[b][h][j][c] += da * qv.get(b, h, i, c);
                        }
                    }
                }
            }
        }
        write(dq, gq);
        write(dk, gk);
        write(dv, gvv);
    }

    private static void write(Tensor t, double[][][][] g) {
        View w = new View(t);
        for (int b = 0; b < g.length; b++) {
            for (int h = 0; h < g[b].length; h++) {
                for (int i = 0; i < g[b][h].length; i++) {
                    for (int c = 0; c < g[b][h][i].length; c++) {
                        w.set(b, h, i, c, g[b][h][i][c]);
                    }
                }
            }
        }
    }
}
