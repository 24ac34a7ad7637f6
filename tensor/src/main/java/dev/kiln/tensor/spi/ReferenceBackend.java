package dev.kiln.tensor.spi;

import dev.kiln.tensor.Activation;
import dev.kiln.tensor.AdamConfig;
import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Device;
import dev.kiln.tensor.PoolWindows;
import dev.kiln.tensor.PoolWindows3d;

import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Storage;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;

/**
 * Plain loops that are obviously right: the oracle every faster backend is held against.
 * Every element is read through its strides and computed in double, then rounded once to the
 * output dtype; sums accumulate in double.
 */
public final class ReferenceBackend implements Backend {
    public static final ReferenceBackend INSTANCE = new ReferenceBackend();

    /** Public for {@link java.util.ServiceLoader}; use {@link #INSTANCE}. */
    public ReferenceBackend() {
    }

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public Device.Type deviceType() {
        return Device.Type.CPU;
    }

    @Override
    public int priority() {
        return 0;
    }

    /** Every dtype: the loops read and write through {@link CpuStorage#get}/{@link CpuStorage#set} (and their long twins). */
    @Override
    public boolean hasKernelsFor(DType dtype) {
        return true;
    }

    private static CpuStorage s(Tensor t) {
        return (CpuStorage) t.storage();
    }

    @Override
    public Storage allocate(DType dtype, int numel, Device device) {
        return CpuStorage.allocate(dtype, numel);
    }

    @Override
    public void copy(Tensor out, Tensor src) {
        int[] oo = Strided.offsets(out);
        int[] so = Strided.offsets(src);
        CpuStorage o = s(out);
        CpuStorage x = s(src);
        if (o == x) {
            // overlapping views of one buffer: read everything before writing
            CpuStorage tmp = CpuStorage.allocate(x.dtype(), so.length);
            for (int i = 0; i < so.length; i++) {
                move(tmp, i, x, so[i]);
            }
            for (int i = 0; i < oo.length; i++) {
                move(o, oo[i], tmp, i);
            }
            return;
        }
        for (int i = 0; i < oo.length; i++) {
            move(o, oo[i], x, so[i]);
        }
    }

    /** Whether values of this dtype are exact as a long: the integer types and BOOL. */
    private static boolean exactLong(DType d) {
        return d.isIntegral() || d == DType.BOOL;
    }

    /**
     * out[oi] = x[xi] converted as PyTorch converts: through long where the source is an integer
     * type (so I64 beyond 2^53 stays exact and a float target rounds once), through double otherwise.
     */
    static void move(CpuStorage out, int oi, CpuStorage x, int xi) {
        if (exactLong(x.dtype())) {
            out.setLong(oi, x.getLong(xi));
        } else {
            out.set(oi, x.get(xi));
        }
    }

    @Override
    public void fill(Tensor out, double value) {
        CpuStorage o = s(out);
        for (int off : Strided.offsets(out)) {
            o.set(off, value);
        }
    }

    @Override
    public void unary(UnaryOp op, Tensor out, Tensor x) {
        CpuStorage o = s(out);
        CpuStorage xs = s(x);
        int[] xo = Strided.offsets(x);
        int base = out.offset();
        if (x.dtype().isIntegral() && out.dtype() == x.dtype()) {
            // in long, then narrowed: the integer types wrap around as PyTorch's (abs of I8 −128 is −128)
            for (int i = 0; i < xo.length; i++) {
                o.setLong(base + i, intUnary(op, xs.getLong(xo[i])));
            }
            return;
        }
        for (int i = 0; i < xo.length; i++) {
            o.set(base + i, op.apply(xs.get(xo[i])));
        }
    }

    @Override
    public void binary(BinaryOp op, Tensor out, Tensor a, Tensor b) {
        CpuStorage o = s(out);
        CpuStorage as = s(a);
        CpuStorage bs = s(b);
        int[] ao = Strided.offsets(a);
        int[] bo = Strided.offsets(b);
        int base = out.offset();
        DType at = a.dtype();
        if (exactLong(at) && exactLong(b.dtype()) && (op.isComparison() || at.isIntegral() && at == out.dtype())) {
            for (int i = 0; i < ao.length; i++) {
                long x = as.getLong(ao[i]);
                long y = bs.getLong(bo[i]);
                if (op.isComparison()) {
                    o.set(base + i, op.apply(Long.compare(x, y), 0));
                } else {
                    o.setLong(base + i, intBinary(op, at, x, y));
                }
            }
            return;
        }
        for (int i = 0; i < ao.length; i++) {
            o.set(base + i, op.apply(as.get(ao[i]), bs.get(bo[i])));
        }
    }

    /**
     * Integer arithmetic: I64 in long, the narrower types in int, then narrowed to the dtype, so
     * every type wraps around as PyTorch's does (and shifts mask their count as Java's int or long).
     */
    private static long intBinary(BinaryOp op, DType dtype, long a, long b) {
        Number r = dtype == DType.I64 ? op.applyLong(a, b) : op.applyInt((int) a, (int) b);
        if (r == null) {
            throw new IllegalStateException("reference: " + op.opName() + " is not defined on " + dtype);
        }
        return r.longValue();
    }

    private static long intUnary(UnaryOp op, long x) {
        return switch (op) {
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case SIGN -> Long.signum(x);
            case RELU -> Math.max(x, 0);
            default -> throw new IllegalStateException("reference: " + op.opName() + " is not defined on integers");
        };
    }

    @Override
    public void clamp(Tensor out, Tensor x, double min, double max) {
        CpuStorage o = s(out);
        CpuStorage xs = s(x);
        int[] xo = Strided.offsets(x);
        for (int i = 0; i < xo.length; i++) {
            o.set(out.offset() + i, Math.min(Math.max(xs.get(xo[i]), min), max));
        }
    }

    @Override
    public void where(Tensor out, Tensor cond, Tensor a, Tensor b) {
        CpuStorage o = s(out);
        int[] co = Strided.offsets(cond);
        int[] ao = Strided.offsets(a);
        int[] bo = Strided.offsets(b);
        for (int i = 0; i < co.length; i++) {
            if (s(cond).get(co[i]) != 0) {
                move(o, out.offset() + i, s(a), ao[i]);
            } else {
                move(o, out.offset() + i, s(b), bo[i]);
            }
        }
    }

    @Override
    public void reduce(ReduceOp op, Tensor out, Tensor x, int[] dims) {
        if (x.dtype().isIntegral() && out.dtype().isIntegral()) {
            reduceLong(op, out, x);
            return;
        }
        double[] acc = new double[out.numel()];
        double init = switch (op) {
            case SUM -> 0;
            case MAX -> Double.NEGATIVE_INFINITY;
            case MIN -> Double.POSITIVE_INFINITY;
        };
        java.util.Arrays.fill(acc, init);
        int[] xo = Strided.offsets(x);
        int[] target = reduceTargets(out, x);
        CpuStorage xs = s(x);
        for (int i = 0; i < xo.length; i++) {
            int j = target[i];
            double v = xs.get(xo[i]);
            acc[j] = switch (op) {
                case SUM -> acc[j] + v;
                case MAX -> Double.isNaN(v) || v > acc[j] ? v : acc[j];
                case MIN -> Double.isNaN(v) || v < acc[j] ? v : acc[j];
            };
        }
        CpuStorage o = s(out);
        for (int j = 0; j < acc.length; j++) {
            o.set(out.offset() + j, acc[j]);
        }
    }

    /** Integer sums, maxima and minima in long: exact, and a sum wraps around in the output's type as PyTorch's. */
    private static void reduceLong(ReduceOp op, Tensor out, Tensor x) {
        long[] acc = new long[out.numel()];
        java.util.Arrays.fill(acc, switch (op) {
            case SUM -> 0L;
            case MAX -> Long.MIN_VALUE;
            case MIN -> Long.MAX_VALUE;
        });
        int[] xo = Strided.offsets(x);
        int[] target = reduceTargets(out, x);
        CpuStorage xs = s(x);
        for (int i = 0; i < xo.length; i++) {
            int j = target[i];
            long v = xs.getLong(xo[i]);
            acc[j] = switch (op) {
                case SUM -> acc[j] + v;
                case MAX -> Math.max(acc[j], v);
                case MIN -> Math.min(acc[j], v);
            };
        }
        CpuStorage o = s(out);
        for (int j = 0; j < acc.length; j++) {
            o.setLong(out.offset() + j, acc[j]);
        }
    }

    /** For each element of x in row-major order, its slot in the contiguous, keep-dim output. */
    private static int[] reduceTargets(Tensor out, Tensor x) {
        int[] shape = x.shape();
        int[] outShape = out.shape();
        int[] outStrides = Shapes.contiguousStrides(outShape);
        int[] target = new int[x.numel()];
        for (int i = 0; i < target.length; i++) {
            int[] idx = Strided.unravel(i, shape);
            int j = 0;
            for (int d = 0; d < idx.length; d++) {
                j += (outShape[d] == 1 ? 0 : idx[d]) * outStrides[d];
            }
            target[i] = j;
        }
        return target;
    }

    @Override
    public void argReduce(ReduceOp op, Tensor out, Tensor x, int dim) {
        int[] shape = x.shape();
        int outer = Strided.outer(shape, dim);
        int n = shape[dim];
        int inner = Strided.inner(shape, dim);
        int[] xo = Strided.offsets(x);
        CpuStorage xs = s(x);
        CpuStorage o = s(out);
        for (int a = 0; a < outer; a++) {
            for (int c = 0; c < inner; c++) {
                int best = 0;
                double bv = xs.get(xo[a * n * inner + c]);
                for (int k = 1; k < n && !Double.isNaN(bv); k++) {
                    double v = xs.get(xo[(a * n + k) * inner + c]);
                    boolean better = op == ReduceOp.MAX ? v > bv : v < bv;
                    if (Double.isNaN(v) || better) {
                        best = k;
                        bv = v;
                    }
                }
                o.set(out.offset() + a * inner + c, best);
            }
        }
    }

    // ---- products, scans and sorting: ReferenceScans

    @Override
    public void prod(Tensor out, Tensor x, int dim) {
        ReferenceScans.prod(out, x, dim);
    }

    @Override
    public void scan(ScanOp op, Tensor out, Tensor indices, Tensor x, int dim) {
        ReferenceScans.scan(op, out, indices, x, dim);
    }

    @Override
    public void sort(Tensor values, Tensor indices, Tensor x, boolean descending) {
        ReferenceScans.sort(values, indices, x, descending);
    }

    @Override
    public void topk(Tensor values, Tensor indices, Tensor x, int k, boolean largest) {
        ReferenceScans.topk(values, indices, x, k, largest);
    }

    @Override
    public void matmul(Tensor out, Tensor a, Tensor b) {
        int[] os = out.shape();
        int rank = os.length;
        int m = os[rank - 2];
        int n = os[rank - 1];
        int k = a.shape()[rank - 1];
        int[] as = a.strides();
        int[] bs = b.strides();
        int batches = Strided.outer(os, rank - 2);
        int[] batchShape = java.util.Arrays.copyOf(os, rank - 2);
        CpuStorage av = s(a);
        CpuStorage bv = s(b);
        CpuStorage ov = s(out);
        for (int bi = 0; bi < batches; bi++) {
            int[] idx = Strided.unravel(bi, batchShape);
            int aBase = a.offset();
            int bBase = b.offset();
            for (int d = 0; d < idx.length; d++) {
                aBase += idx[d] * as[d];
                bBase += idx[d] * bs[d];
            }
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = 0;
                    for (int p = 0; p < k; p++) {
                        sum += av.get(aBase + i * as[rank - 2] + p * as[rank - 1])
                                * bv.get(bBase + p * bs[rank - 2] + j * bs[rank - 1]);
                    }
                    ov.set(out.offset() + (bi * m + i) * n + j, sum);
                }
            }
        }
    }

    @Override
    public void linear(Tensor out, Tensor pre, Tensor x, Tensor weight, Tensor bias, UnaryOp act) {
        int n = weight.shape()[0];
        int k = weight.shape()[1];
        int rows = n == 0 ? 0 : out.numel() / n;
        CpuStorage xs = s(x);
        CpuStorage ws = s(weight);
        CpuStorage bs = bias == null ? null : s(bias);
        CpuStorage os = s(out);
        CpuStorage ps = act == null ? os : s(pre);
        int po = act == null ? out.offset() : pre.offset();
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    sum += xs.get(x.offset() + i * k + p) * ws.get(weight.offset() + j * k + p);
                }
                // the product rounded to the dtype, then the bias added and rounded, as matmul then add would
                ps.set(po + i * n + j, sum);
                if (bs != null) {
                    ps.set(po + i * n + j, ps.get(po + i * n + j) + bs.get(bias.offset() + j));
                }
                if (act != null) {
                    os.set(out.offset() + i * n + j, act.apply(ps.get(po + i * n + j)));
                }
            }
        }
    }

    @Override
    public void softmax(Tensor out, Tensor x, int dim) {
        rows(out, x, null, dim, Row.SOFTMAX);
    }

    @Override
    public void logSoftmax(Tensor out, Tensor x, int dim) {
        rows(out, x, null, dim, Row.LOG_SOFTMAX);
    }

    @Override
    public void softmaxBackward(Tensor dx, Tensor y, Tensor dy, int dim) {
        rows(dx, y, dy, dim, Row.SOFTMAX_BACKWARD);
    }

    @Override
    public void logSoftmaxBackward(Tensor dx, Tensor y, Tensor dy, int dim) {
        rows(dx, y, dy, dim, Row.LOG_SOFTMAX_BACKWARD);
    }

    private enum Row { SOFTMAX, LOG_SOFTMAX, SOFTMAX_BACKWARD, LOG_SOFTMAX_BACKWARD }

    /** One loop for the four softmax kernels: each (outer, inner) pair is a row of length n with stride inner. */
    private static void rows(Tensor out, Tensor x, Tensor dy, int dim, Row kind) {
        int[] shape = x.shape();
        int outer = Strided.outer(shape, dim);
        int n = shape[dim];
        int inner = Strided.inner(shape, dim);
        CpuStorage o = s(out);
        CpuStorage xs = s(x);
        CpuStorage gs = dy == null ? null : s(dy);
        for (int a = 0; a < outer; a++) {
            for (int c = 0; c < inner; c++) {
                int base = a * n * inner + c;
                double[] v = new double[n];
                for (int k = 0; k < n; k++) {
                    v[k] = xs.get(x.offset() + base + k * inner);
                }
                double[] r = new double[n];
                switch (kind) {
                    case SOFTMAX, LOG_SOFTMAX -> {
                        double max = Double.NEGATIVE_INFINITY;
                        for (double e : v) {
                            max = Math.max(max, e);
                        }
                        double sum = 0;
                        for (double e : v) {
                            sum += Math.exp(e - max);
                        }
                        for (int k = 0; k < n; k++) {
                            r[k] = kind == Row.SOFTMAX ? Math.exp(v[k] - max) / sum : v[k] - max - Math.log(sum);
                        }
                    }
                    case SOFTMAX_BACKWARD, LOG_SOFTMAX_BACKWARD -> {
                        double[] g = new double[n];
                        for (int k = 0; k < n; k++) {
                            g[k] = gs.get(dy.offset() + base + k * inner);
                        }
                        double dot = 0;
                        for (int k = 0; k < n; k++) {
                            dot += kind == Row.SOFTMAX_BACKWARD ? g[k] * v[k] : g[k];
                        }
                        for (int k = 0; k < n; k++) {
                            r[k] = kind == Row.SOFTMAX_BACKWARD ? v[k] * (g[k] - dot) : g[k] - Math.exp(v[k]) * dot;
                        }
                    }
                }
                for (int k = 0; k < n; k++) {
                    o.set(out.offset() + base + k * inner, r[k]);
                }
            }
        }
    }

    @Override
    public void crossEntropy(Tensor loss, Tensor logits, Tensor labels, int ignoreIndex) {
        int rows = logits.size(0);
        int c = logits.size(1);
        CpuStorage x = s(logits);
        CpuStorage y = s(labels);
        CpuStorage o = s(loss);
        for (int r = 0; r < rows; r++) {
            int label = (int) y.get(labels.offset() + r);
            if (label == ignoreIndex) {
                o.set(loss.offset() + r, 0);
                continue;
            }
            int base = logits.offset() + r * c;
            o.set(loss.offset() + r, logSumExp(x, base, c) - x.get(base + label));
        }
    }

    @Override
    public void crossEntropyBackward(Tensor dlogits, Tensor logits, Tensor labels, Tensor dloss, int ignoreIndex) {
        int rows = logits.size(0);
        int c = logits.size(1);
        CpuStorage x = s(logits);
        CpuStorage y = s(labels);
        CpuStorage g = s(dloss);
        CpuStorage o = s(dlogits);
        for (int r = 0; r < rows; r++) {
            int label = (int) y.get(labels.offset() + r);
            int base = logits.offset() + r * c;
            int outBase = dlogits.offset() + r * c;
            if (label == ignoreIndex) {
                for (int k = 0; k < c; k++) {
                    o.set(outBase + k, 0);
                }
                continue;
            }
            double lse = logSumExp(x, base, c);
            double gr = g.get(dloss.offset() + r);
            for (int k = 0; k < c; k++) {
                double p = Math.exp(x.get(base + k) - lse);
                o.set(outBase + k, gr * (p - (k == label ? 1 : 0)));
            }
        }
    }

    private static double logSumExp(CpuStorage x, int base, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < n; k++) {
            max = Math.max(max, x.get(base + k));
        }
        double sum = 0;
        for (int k = 0; k < n; k++) {
            sum += Math.exp(x.get(base + k) - max);
        }
        return max + Math.log(sum);
    }

    @Override
    public void indexSelect(Tensor out, Tensor x, int dim, Tensor index) {
        int[] outShape = out.shape();
        CpuStorage o = s(out);
        CpuStorage xs = s(x);
        CpuStorage is = s(index);
        int[] io = Strided.offsets(index);
        for (int i = 0; i < out.numel(); i++) {
            int[] idx = Strided.unravel(i, outShape);
            idx[dim] = (int) is.getLong(io[idx[dim]]);
            move(o, out.offset() + i, xs, Strided.offsetOf(x, idx));
        }
    }

    @Override
    public void indexAdd(Tensor out, int dim, Tensor index, Tensor src) {
        int[] srcShape = src.shape();
        CpuStorage o = s(out);
        CpuStorage ss = s(src);
        CpuStorage is = s(index);
        int[] so = Strided.offsets(src);
        int[] io = Strided.offsets(index);
        for (int i = 0; i < so.length; i++) {
            int[] idx = Strided.unravel(i, srcShape);
            idx[dim] = (int) is.get(io[idx[dim]]);
            addInto(o, Strided.offsetOf(out, idx), ss, so[i]);
        }
    }

    @Override
    public void gather(Tensor out, Tensor x, int dim, Tensor index) {
        int[] shape = index.shape();
        CpuStorage o = s(out);
        CpuStorage xs = s(x);
        CpuStorage is = s(index);
        int[] io = Strided.offsets(index);
        for (int i = 0; i < io.length; i++) {
            int[] idx = Strided.unravel(i, shape);
            if (idx.length > 0) {
                idx[dim] = (int) is.getLong(io[i]);
            }
            move(o, out.offset() + i, xs, Strided.offsetOf(x, idx));
        }
    }

    @Override
    public void scatterAdd(Tensor out, int dim, Tensor index, Tensor src) {
        int[] shape = index.shape();
        CpuStorage o = s(out);
        CpuStorage ss = s(src);
        CpuStorage is = s(index);
        int[] io = Strided.offsets(index);
        for (int i = 0; i < io.length; i++) {
            int[] idx = Strided.unravel(i, shape);
            int srcOff = Strided.offsetOf(src, idx);
            if (idx.length > 0) {
                idx[dim] = (int) is.get(io[i]);
            }
            addInto(o, Strided.offsetOf(out, idx), ss, srcOff);
        }
    }

    /** out[t] += src[i]: in long for the integer types (exact, wrapping as they do), in double otherwise. */
    private static void addInto(CpuStorage out, int t, CpuStorage src, int i) {
        if (out.dtype().isIntegral()) {
            out.setLong(t, out.getLong(t) + src.getLong(i));
        } else {
            out.set(t, out.get(t) + src.get(i));
        }
    }

    @Override
    public void layerNorm(Tensor out, Tensor mean, Tensor rstd, Tensor x, Tensor weight, Tensor bias, double eps) {
        int rows = mean.numel();
        int d = rows == 0 ? 0 : x.numel() / rows;
        CpuStorage xs = s(x);
        for (int r = 0; r < rows; r++) {
            int base = x.offset() + r * d;
            double mu = 0;
            for (int k = 0; k < d; k++) {
                mu += xs.get(base + k);
            }
            mu /= d;
            double var = 0;
            for (int k = 0; k < d; k++) {
                double c = xs.get(base + k) - mu;
                var += c * c;
            }
            var /= d;
            double rs = 1.0 / Math.sqrt(var + eps);
            s(mean).set(mean.offset() + r, mu);
            s(rstd).set(rstd.offset() + r, rs);
            for (int k = 0; k < d; k++) {
                double y = (xs.get(base + k) - mu) * rs;
                if (weight != null) {
                    y *= s(weight).get(weight.offset() + k);
                }
                if (bias != null) {
                    y += s(bias).get(bias.offset() + k);
                }
                s(out).set(out.offset() + r * d + k, y);
            }
        }
    }

    @Override
    public void layerNormBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor dy, Tensor x, Tensor mean,
                                  Tensor rstd, Tensor weight) {
        normBackward(dx, dweight, dbias, dy, x, mean, rstd, weight);
    }

    @Override
    public void rmsNorm(Tensor out, Tensor rstd, Tensor x, Tensor weight, double eps) {
        int rows = rstd.numel();
        int d = rows == 0 ? 0 : x.numel() / rows;
        CpuStorage xs = s(x);
        for (int r = 0; r < rows; r++) {
            int base = x.offset() + r * d;
            double ms = 0;
            for (int k = 0; k < d; k++) {
                double v = xs.get(base + k);
                ms += v * v;
            }
            double rs = 1.0 / Math.sqrt(ms / d + eps);
            s(rstd).set(rstd.offset() + r, rs);
            for (int k = 0; k < d; k++) {
                double y = xs.get(base + k) * rs;
                if (weight != null) {
                    y *= s(weight).get(weight.offset() + k);
                }
                s(out).set(out.offset() + r * d + k, y);
            }
        }
    }

    @Override
    public void rmsNormBackward(Tensor dx, Tensor dweight, Tensor dy, Tensor x, Tensor rstd, Tensor weight) {
        normBackward(dx, dweight, null, dy, x, null, rstd, weight);
    }

    @Override
    public void batchNorm(Tensor out, Tensor mean, Tensor invstd, Tensor x, Tensor weight, Tensor bias, double eps) {
        int n = x.size(0);
        int channels = x.size(1);
        int sp = x.size(2);
        long m = (long) n * sp;
        CpuStorage xs = s(x);
        for (int c = 0; c < channels; c++) {
            double mu = 0;
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < sp; k++) {
                    mu += xs.get(x.offset() + (i * channels + c) * sp + k);
                }
            }
            mu /= m;
            double var = 0;
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < sp; k++) {
                    double d = xs.get(x.offset() + (i * channels + c) * sp + k) - mu;
                    var += d * d;
                }
            }
            double rs = 1.0 / Math.sqrt(var / m + eps);
            s(mean).set(mean.offset() + c, mu);
            s(invstd).set(invstd.offset() + c, rs);
            double w = weight == null ? 1 : s(weight).get(weight.offset() + c);
            double b = bias == null ? 0 : s(bias).get(bias.offset() + c);
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < sp; k++) {
                    int at = (i * channels + c) * sp + k;
                    s(out).set(out.offset() + at, (xs.get(x.offset() + at) - mu) * rs * w + b);
                }
            }
        }
    }

    @Override
    public void batchNormBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor dy, Tensor x, Tensor mean,
                                  Tensor invstd, Tensor weight) {
        int n = x.size(0);
        int channels = x.size(1);
        int sp = x.size(2);
        long m = (long) n * sp;
        for (int c = 0; c < channels; c++) {
            double mu = s(mean).get(mean.offset() + c);
            double rs = s(invstd).get(invstd.offset() + c);
            double sumDy = 0;
            double sumDyXhat = 0;
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < sp; k++) {
                    int at = (i * channels + c) * sp + k;
                    double g = s(dy).get(dy.offset() + at);
                    sumDy += g;
                    sumDyXhat += g * (s(x).get(x.offset() + at) - mu) * rs;
                }
            }
            if (dweight != null) {
                s(dweight).set(dweight.offset() + c, sumDyXhat);
            }
            if (dbias != null) {
                s(dbias).set(dbias.offset() + c, sumDy);
            }
            double w = weight == null ? 1 : s(weight).get(weight.offset() + c);
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < sp; k++) {
                    int at = (i * channels + c) * sp + k;
                    double xhat = (s(x).get(x.offset() + at) - mu) * rs;
                    double g = s(dy).get(dy.offset() + at);
                    s(dx).set(dx.offset() + at, rs * w / m * (m * g - sumDy - xhat * sumDyXhat));
                }
            }
        }
    }

    @Override
    public void batchNormEval(Tensor out, Tensor x, Tensor scale, Tensor shift) {
        int n = x.size(0);
        int channels = x.size(1);
        int sp = x.size(2);
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < channels; c++) {
                double a = s(scale).get(scale.offset() + c);
                double b = s(shift).get(shift.offset() + c);
                for (int k = 0; k < sp; k++) {
                    int at = (i * channels + c) * sp + k;
                    s(out).set(out.offset() + at, s(x).get(x.offset() + at) * a + b);
                }
            }
        }
    }

    /** Shared by both norms: RMSNorm is LayerNorm with the mean fixed at 0 and no mean(d) term. */
    private static void normBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor dy, Tensor x, Tensor mean,
                                     Tensor rstd, Tensor weight) {
        int rows = rstd.numel();
        int d = rows == 0 ? 0 : x.numel() / rows;
        double[] dw = new double[d];
        double[] db = new double[d];
        for (int r = 0; r < rows; r++) {
            double mu = mean == null ? 0 : s(mean).get(mean.offset() + r);
            double rs = s(rstd).get(rstd.offset() + r);
            double[] xhat = new double[d];
            double[] g = new double[d];
            double meanG = 0;
            double meanGX = 0;
            for (int k = 0; k < d; k++) {
                double dyv = s(dy).get(dy.offset() + r * d + k);
                xhat[k] = (s(x).get(x.offset() + r * d + k) - mu) * rs;
                g[k] = dyv * (weight == null ? 1 : s(weight).get(weight.offset() + k));
                meanG += g[k];
                meanGX += g[k] * xhat[k];
                dw[k] += dyv * xhat[k];
                db[k] += dyv;
            }
            meanG = mean == null ? 0 : meanG / d;
            meanGX /= d;
            for (int k = 0; k < d; k++) {
                s(dx).set(dx.offset() + r * d + k, rs * (g[k] - meanG - xhat[k] * meanGX));
            }
        }
        for (int k = 0; k < d; k++) {
            if (dweight != null) {
                s(dweight).set(dweight.offset() + k, dw[k]);
            }
            if (dbias != null) {
                s(dbias).set(dbias.offset() + k, db[k]);
            }
        }
    }

    @Override
    public void unaryBackward(UnaryOp op, Tensor dx, Tensor x, Tensor dy) {
        CpuStorage xs = s(x);
        CpuStorage gs = s(dy);
        CpuStorage o = s(dx);
        int[] xo = Strided.offsets(x);
        int[] go = Strided.offsets(dy);
        for (int i = 0; i < xo.length; i++) {
            double v = xs.get(xo[i]);
            double g = gs.get(go[i]);
            // ReLU selects (PyTorch's threshold_backward): an infinite g gives 0, not NaN, where x <= 0
            o.set(dx.offset() + i, op == UnaryOp.RELU ? (v > 0 ? g : 0) : g * op.derivative(v));
        }
    }

    @Override
    public void activation(Activation f, Tensor out, Tensor x) {
        CpuStorage xs = s(x);
        CpuStorage o = s(out);
        int[] xo = Strided.offsets(x);
        for (int i = 0; i < xo.length; i++) {
            o.set(out.offset() + i, f.apply(xs.get(xo[i])));
        }
    }

    @Override
    public void activationBackward(Activation f, Tensor dx, Tensor x, Tensor dy) {
        CpuStorage xs = s(x);
        CpuStorage gs = s(dy);
        CpuStorage o = s(dx);
        int[] xo = Strided.offsets(x);
        int[] go = Strided.offsets(dy);
        for (int i = 0; i < xo.length; i++) {
            o.set(dx.offset() + i, gs.get(go[i]) * f.derivative(xs.get(xo[i])));
        }
    }

    /** The PReLU weight index of flat position i: 0 for a shared weight, else the channel at dim 1. */
    private static int preluChannel(int i, int[] shape, int channels) {
        if (channels == 1) {
            return 0;
        }
        int inner = Strided.inner(shape, 1);
        return (i / inner) % channels;
    }

    @Override
    public void prelu(Tensor out, Tensor x, Tensor weight) {
        int n = x.numel();
        int[] shape = x.shape();
        int channels = weight.numel();
        for (int i = 0; i < n; i++) {
            double v = s(x).get(x.offset() + i);
            double w = s(weight).get(weight.offset() + preluChannel(i, shape, channels));
            s(out).set(out.offset() + i, v > 0 ? v : w * v);
        }
    }

    @Override
    public void preluBackward(Tensor dx, Tensor dweight, Tensor dy, Tensor x, Tensor weight) {
        int n = x.numel();
        int[] shape = x.shape();
        int channels = weight.numel();
        double[] dw = new double[channels];
        for (int i = 0; i < n; i++) {
            int c = preluChannel(i, shape, channels);
            double v = s(x).get(x.offset() + i);
            double g = s(dy).get(dy.offset() + i);
            if (dx != null) {
                s(dx).set(dx.offset() + i, v > 0 ? g : s(weight).get(weight.offset() + c) * g);
            }
            if (v <= 0) {
                dw[c] += g * v;
            }
        }
        if (dweight != null) {
            for (int c = 0; c < channels; c++) {
                s(dweight).set(dweight.offset() + c, dw[c]);
            }
        }
    }

    @Override
    public void pau(Tensor out, Tensor x, Tensor numerator, Tensor denominator) {
        double[] a = flatValues(numerator);
        double[] b = flatValues(denominator);
        int n = x.numel();
        for (int i = 0; i < n; i++) {
            double v = s(x).get(x.offset() + i);
            double p = 0;
            for (int j = a.length - 1; j >= 0; j--) {
                p = p * v + a[j];
            }
            double av = Math.abs(v);
            double q = 0;
            for (int k = b.length; k >= 1; k--) {
                q = (q + Math.abs(b[k - 1])) * av;
            }
            s(out).set(out.offset() + i, p / (1 + q));
        }
    }

    @Override
    public void pauBackward(Tensor dx, Tensor dnumerator, Tensor ddenominator, Tensor dy, Tensor x, Tensor numerator,
                            Tensor denominator) {
        double[] a = flatValues(numerator);
        double[] b = flatValues(denominator);
        double[] da = new double[a.length];
        double[] db = new double[b.length];
        int n = x.numel();
        for (int i = 0; i < n; i++) {
            double v = s(x).get(x.offset() + i);
            double g = s(dy).get(dy.offset() + i);
            double av = Math.abs(v);
            double p = 0;
            double dp = 0;
            for (int j = a.length - 1; j >= 0; j--) {
                dp = dp * v + p;
                p = p * v + a[j];
            }
            double q = 1;
            double dq = 0; // dQ/d|x|
            double pow = 1; // |x|^{k-1}
            for (int k = 1; k <= b.length; k++) {
                dq += k * Math.abs(b[k - 1]) * pow;
                pow *= av;
                q += Math.abs(b[k - 1]) * pow;
            }
            if (dx != null) {
                s(dx).set(dx.offset() + i, g * (dp / q - p / (q * q) * dq * Math.signum(v)));
            }
            double xj = 1;
            for (int j = 0; j < a.length; j++) {
                da[j] += g * xj / q;
                xj *= v;
            }
            double ak = av;
            for (int k = 1; k <= b.length; k++) {
                db[k - 1] -= g * p / (q * q) * ak * Math.signum(b[k - 1]);
                ak *= av;
            }
        }
        if (dnumerator != null) {
            for (int j = 0; j < a.length; j++) {
                s(dnumerator).set(dnumerator.offset() + j, da[j]);
            }
        }
        if (ddenominator != null) {
            for (int k = 0; k < b.length; k++) {
                s(ddenominator).set(ddenominator.offset() + k, db[k]);
            }
        }
    }

    private static double[] flatValues(Tensor t) {
        double[] v = new double[t.numel()];
        int[] off = Strided.offsets(t);
        for (int i = 0; i < v.length; i++) {
            v[i] = s(t).get(off[i]);
        }
        return v;
    }

    @Override
    public void adamStep(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor maxExpAvgSq,
                         AdamConfig c) {
        double bc1 = c.biasCorrection1();
        double bc2 = c.biasCorrection2();
        CpuStorage p = s(param);
        CpuStorage gs = s(grad);
        CpuStorage m = s(expAvg);
        CpuStorage v = s(expAvgSq);
        int n = param.numel();
        for (int i = 0; i < n; i++) {
            double theta = p.get(param.offset() + i);
            double g = gs.get(grad.offset() + i);
            if (c.mode() == AdamConfig.Mode.ADAM && c.weightDecay() != 0) {
                g += c.weightDecay() * theta;
            }
            if (c.mode() == AdamConfig.Mode.ADAMW) {
                theta *= 1 - c.lr() * c.weightDecay();
            }
            double mi = c.beta1() * m.get(expAvg.offset() + i) + (1 - c.beta1()) * g;
            double vi = c.beta2() * v.get(expAvgSq.offset() + i) + (1 - c.beta2()) * g * g;
            m.set(expAvg.offset() + i, mi);
            v.set(expAvgSq.offset() + i, vi);
            if (c.mode() == AdamConfig.Mode.ADAMW_HF) {
                theta -= c.lr() * Math.sqrt(bc2) / bc1 * mi / (Math.sqrt(vi) + c.eps());
                theta -= c.lr() * c.weightDecay() * theta;
            } else {
                double vv = vi;
                if (maxExpAvgSq != null) {
                    vv = Math.max(s(maxExpAvgSq).get(maxExpAvgSq.offset() + i), vi);
                    s(maxExpAvgSq).set(maxExpAvgSq.offset() + i, vv);
                }
                theta -= c.lr() / bc1 * mi / (Math.sqrt(vv) / Math.sqrt(bc2) + c.eps());
            }
            p.set(param.offset() + i, theta);
        }
    }

    @Override
    public void bsplineBasis(Tensor out, Tensor derivative, Tensor x, Tensor grid, int order) {
        ReferenceSplines.bsplineBasis(out, derivative, x, grid, order);
    }

    @Override
    public void bsplineBasisBackward(Tensor dx, Tensor dy, Tensor derivative) {
        ReferenceSplines.bsplineBasisBackward(dx, dy, derivative);
    }

    // ---- attention: the loops live in ReferenceAttention; backward recomputes softmax from scratch ----

    @Override
    public void scaledDotProductAttention(Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, Tensor mask,
                                          boolean isCausal, double scale) {
        ReferenceAttention.sdpa(out, lse, q, k, v, mask, isCausal, scale);
    }

    @Override
    public void scaledDotProductAttentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dmask, Tensor dout,
                                                  Tensor q, Tensor k, Tensor v, Tensor mask, Tensor out, Tensor lse,
                                                  boolean isCausal, double scale) {
        ReferenceAttention.sdpaBackward(dq, dk, dv, dmask, dout, q, k, v, mask, isCausal, scale);
    }

    @Override
    public void linearAttention(Tensor out, Tensor q, Tensor k, Tensor v, boolean isCausal, double eps) {
        ReferenceAttention.linear(out, q, k, v, isCausal, eps);
    }

    @Override
    public void linearAttentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k, Tensor v,
                                        boolean isCausal, double eps) {
        ReferenceAttention.linearBackward(dq, dk, dv, dout, q, k, v, isCausal, eps);
    }

    @Override
    public void conv2d(Tensor out, Tensor x, Tensor weight, Tensor bias, ConvShape shape) {
        ReferenceConv.conv2d(out, x, weight, bias, shape);
    }

    @Override
    public void conv2dBackwardInput(Tensor dx, Tensor dy, Tensor weight, ConvShape shape) {
        ReferenceConv.conv2dBackwardInput(dx, dy, weight, shape);
    }

    @Override
    public void conv2dBackwardWeight(Tensor dweight, Tensor dy, Tensor x, ConvShape shape) {
        ReferenceConv.conv2dBackwardWeight(dweight, dy, x, shape);
    }

    @Override
    public void maxPool2d(Tensor out, Tensor indices, Tensor x, PoolWindows windows) {
        ReferenceConv.maxPool2d(out, indices, x, windows);
    }

    @Override
    public void avgPool2d(Tensor out, Tensor x, PoolWindows windows) {
        ReferenceConv.avgPool2d(out, x, windows);
    }

    @Override
    public void avgPool2dBackward(Tensor dx, Tensor dy, PoolWindows windows) {
        ReferenceConv.avgPool2dBackward(dx, dy, windows);
    }

    @Override
    public void maxPoolBackward(Tensor dx, Tensor dy, Tensor indices) {
        int planes = dx.size(0);
        int inPlane = dx.size(1);
        int outPlane = dy.size(1);
        CpuStorage g = s(dx);
        CpuStorage d = s(dy);
        CpuStorage ix = s(indices);
        for (int p = 0; p < planes; p++) {
            for (int o = 0; o < outPlane; o++) {
                int at = dx.offset() + p * inPlane + (int) ix.get(indices.offset() + p * outPlane + o);
                g.set(at, g.get(at) + d.get(dy.offset() + p * outPlane + o));
            }
        }
    }

    @Override
    public void maxPool3d(Tensor out, Tensor indices, Tensor x, PoolWindows3d windows) {
        ReferenceConv.maxPool3d(out, indices, x, windows);
    }

    @Override
    public void avgPool3d(Tensor out, Tensor x, PoolWindows3d windows) {
        ReferenceConv.avgPool3d(out, x, windows);
    }

    @Override
    public void avgPool3dBackward(Tensor dx, Tensor dy, PoolWindows3d windows) {
        ReferenceConv.avgPool3dBackward(dx, dy, windows);
    }
}
