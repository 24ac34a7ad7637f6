package dev.kiln.kernels.cuda;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;

/**
 * The formulas in double, one query row at a time: weights w_ij = softmax_j(q_i·k_j·scale) or
 * (q_i·k_j)/(eps + Σ_j q_i·k_j) over the visible keys; out_i = Σ w_ij v_j; then
 * dv_j = Σ_i w_ij g_i and, with dp_ij = g_i·v_j and Di = g_i·out_i, the score gradient
 * ds_ij = w_ij (dp_ij − Di)·scale (softmax) or (dp_ij − Di)/den_i (linear); dq_i = Σ ds_ij k_j,
 * dk_j = Σ ds_ij q_i. Key head of query head h: h / (H / Hkv). The oracle of CudaAttentionTest,
 * itself checked on the CPU by AttentionReferenceTest.
 */
final class AttentionReference {
    final Tensor out;
    final Tensor stat;
    final Tensor dq;
    final Tensor dk;
    final Tensor dv;

    AttentionReference(Tensor q, Tensor k, Tensor v, Tensor g, boolean causal, double scale, boolean linear, double eps) {
        int nb = q.size(0), nh = q.size(1), tq = q.size(2), d = q.size(3);
        int hkv = k.size(1), tk = k.size(2), ndv = v.size(3);
        double[][][][] qa = arr(q), ka = arr(k), va = arr(v), ga = arr(g);
        double[][][][] o = new double[nb][nh][tq][ndv];
        double[][][][] gq = new double[nb][nh][tq][d];
        double[][][][] gk = new double[nb][hkv][tk][d];
        double[][][][] gv = new double[nb][hkv][tk][ndv];
        double[] st = new double[nb * nh * tq];
        for (int b = 0; b < nb; b++) {
            for (int h = 0; h < nh; h++) {
                int hk = h / (nh / hkv);
                for (int i = 0; i < tq; i++) {
                    int last = causal ? Math.min(tk - 1, i + tk - tq) : tk - 1;
                    double[] w = new double[Math.max(0, last + 1)];
                    double max = Double.NEGATIVE_INFINITY;
                    double sum = 0;
                    for (int j = 0; j <= last; j++) {
                        w[j] = dot(qa[b][h][i], ka[b][hk][j]) * (linear ? 1 : scale);
                        max = Math.max(max, w[j]);
                    }
                    for (int j = 0; j <= last; j++) {
                        sum += linear ? w[j] : Math.exp(w[j] - max);
                    }
                    double den = linear ? eps + sum : sum;
                    for (int j = 0; j <= last; j++) {
                        w[j] = linear ? w[j] / den : Math.exp(w[j] - max) / sum;
                        for (int e = 0; e < ndv; e++) {
                            o[b][h][i][e] += w[j] * va[b][hk][j][e];
                        }
                    }
                    st[(b * nh + h) * tq + i] = linear ? den : last < 0 ? Double.NEGATIVE_INFINITY : max + Math.log(sum);
                    double di = dot(ga[b][h][i], o[b][h][i]);
                    for (int j = 0; j <= last; j++) {
                        double dp = dot(ga[b][h][i], va[b][hk][j]);
                        double ds = linear ? (dp - di) / den : w[j] * (dp - di) * scale;
                        for (int c = 0; c < d; c++) {
                            gq[b][h][i][c] += ds * ka[b][hk][j][c];
                            gk[b][hk][j][c] += ds * qa[b][h][i][c];
                        }
                        for (int e = 0; e < ndv; e++) {
                            gv[b][hk][j][e] += w[j] * ga[b][h][i][e];
                        }
                    }
                }
            }
        }
        DType t = q.dtype();
        out = tensor(o, t);
        stat = Tensor.of(st, nb, nh, tq).to(t);
        dq = tensor(gq, t);
        dk = tensor(gk, t);
        dv = tensor(gv, t);
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double[][][][] arr(Tensor t) {
        int[] s = t.shape();
        double[] flat = t.contiguous().toDoubleArray();
        double[][][][] a = new double[s[0]][s[1]][s[2]][s[3]];
        int n = 0;
        for (double[][][] x : a) {
            for (double[][] y : x) {
                for (double[] z : y) {
                    for (int i = 0; i < z.length; i++) {
                        z[i] = flat[n++];
                    }
                }
            }
        }
        return a;
    }

    private static Tensor tensor(double[][][][] a, DType t) {
        int[] s = {a.length, a[0].length, a[0][0].length, a[0][0][0].length};
        double[] flat = new double[s[0] * s[1] * s[2] * s[3]];
        int n = 0;
        for (double[][][] x : a) {
            for (double[][] y : x) {
                for (double[] z : y) {
                    for (double e : z) {
                        flat[n++] = e;
                    }
                }
            }
        }
        return Tensor.of(flat, s).to(t);
    }
}
