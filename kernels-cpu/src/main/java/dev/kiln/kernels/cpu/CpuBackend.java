package dev.kiln.kernels.cpu;

import dev.kiln.tensor.Activation;
import dev.kiln.tensor.AdamConfig;
import dev.kiln.tensor.Backend;
import dev.kiln.tensor.BinaryOp;
import dev.kiln.tensor.CpuStorage;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Device;
import dev.kiln.tensor.ReduceOp;
import dev.kiln.tensor.ReferenceBackend;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Storage;
import dev.kiln.tensor.Strided;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Vector API kernels for host tensors, preferred over {@link ReferenceBackend} whenever this
 * module is on the class path.
 *
 * <p>This class only dispatches: it picks the layout case (contiguous, broadcast, strided), splits
 * large work over the pool with {@link Parallel} and calls the static kernels of
 * {@link ElementwiseKernels}, {@link ActivationKernels}, {@link ReduceKernels},
 * {@link SoftmaxKernels}, {@link NormKernels}, {@link IndexKernels} and {@link OptimizerKernels}.
 * F32 is the compute type and has kernels for every op but matmul (owned by the GEMM package) and
 * PAU; F64, I32 and BOOL, and enum values added after these kernels were written, run the
 * reference loops, so a new op works at once and gets fast when its kernel lands.
 */
public final class CpuBackend implements Backend {
    private static final ReferenceBackend REF = ReferenceBackend.INSTANCE;
    private static final AtomicBoolean ANNOUNCED = new AtomicBoolean();

    /** Elements below which a cheap elementwise op stays on the calling thread. */
    static final int GRAIN = 1 << 15;
    /** The same for ops that cost a transcendental per element. */
    static final int GRAIN_HEAVY = 1 << 13;

    public CpuBackend() {
        if (ANNOUNCED.compareAndSet(false, true)) {
            System.getLogger(CpuBackend.class.getName()).log(System.Logger.Level.INFO,
                    "Kiln CPU backend: SIMD " + Simd.describe() + ", " + Parallel.threads() + " threads");
        }
    }

    /** How many threads the kernels use (-Dkiln.threads, default: available processors). */
    public static int threads() {
        return Parallel.threads();
    }

    /** Sets how many threads the kernels use; 1 keeps all work on the calling thread. */
    public static void setThreads(int n) {
        Parallel.setThreads(n);
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public Device.Type deviceType() {
        return Device.Type.CPU;
    }

    @Override
    public int priority() {
        return 10;
    }

    private static float[] f(Tensor t) {
        return ((CpuStorage) t.storage()).floats();
    }

    private static int[] ints(Tensor t) {
        return ((CpuStorage) t.storage()).ints();
    }

    private static boolean f32(Tensor... ts) {
        for (Tensor t : ts) {
            if (t != null && t.dtype() != DType.F32) {
                return false;
            }
        }
        return true;
    }

    /** The backing array of a host tensor, whatever its dtype. */
    private static Object array(Tensor t) {
        CpuStorage s = (CpuStorage) t.storage();
        return switch (t.dtype()) {
            case F32 -> s.floats();
            case F64 -> s.doubles();
            case I32 -> s.ints();
            case BOOL -> s.bools();
        };
    }

    /** Rows per task so that a task has at least {@code grain} elements. */
    private static int rowGrain(int rowLength, int grain) {
        return Math.max(1, grain / Math.max(rowLength, 1));
    }

    // ------------------------------------------------------------------ memory and movement

    @Override
    public Storage allocate(DType dtype, int numel, Device device) {
        return CpuStorage.allocate(dtype, numel);
    }

    @Override
    public void copy(Tensor out, Tensor src) {
        int n = out.numel();
        if (n == 0) {
            return;
        }
        if (out.storage() == src.storage()) {
            if (out.offset() == src.offset() && Arrays.equals(out.strides(), src.strides())) {
                return;
            }
            REF.copy(out, src); // the views may overlap: the reference reads everything first
            return;
        }
        if (f32(out, src)) {
            float[] y = f(out);
            float[] x = f(src);
            StridedLoop lp = StridedLoop.of(out, src);
            int ys = lp.innerStride[0];
            int xs = lp.innerStride[1];
            lp.run(GRAIN, (o, len) -> ElementwiseKernels.copy(y, o[0], ys, x, o[1], xs, len));
            return;
        }
        if (out.dtype() == src.dtype() && out.isContiguous() && src.isContiguous()) {
            System.arraycopy(array(src), src.offset(), array(out), out.offset(), n);
            return;
        }
        REF.copy(out, src);
    }

    @Override
    public void fill(Tensor out, double value) {
        if (!f32(out)) {
            REF.fill(out, value);
            return;
        }
        float[] y = f(out);
        float v = (float) value;
        StridedLoop lp = StridedLoop.of(out);
        int ys = lp.innerStride[0];
        lp.run(GRAIN, (o, len) -> ElementwiseKernels.fill(y, o[0], ys, v, len));
    }

    // ------------------------------------------------------------------ elementwise

    @Override
    public void unary(UnaryOp op, Tensor out, Tensor x) {
        if (!f32(out, x) || !ElementwiseKernels.hasUnary(op)) {
            REF.unary(op, out, x);
            return;
        }
        float[] y = f(out);
        float[] xa = f(x);
        StridedLoop lp = StridedLoop.of(out, x);
        int xs = lp.innerStride[1];
        int grain = switch (op) {
            case NEG, ABS, SIGN, RELU, SQRT, RSQRT, RELU_SQUARED -> GRAIN;
            default -> GRAIN_HEAVY; // a transcendental or more per element
        };
        lp.run(grain, (o, len) -> {
            if (xs == 1) {
                ElementwiseKernels.unary(op, y, o[0], xa, o[1], len);
            } else {
                ElementwiseKernels.unaryStrided(op, y, o[0], xa, o[1], xs, len);
            }
        });
    }

    @Override
    public void binary(BinaryOp op, Tensor out, Tensor a, Tensor b) {
        if (!f32(a, b)) {
            REF.binary(op, out, a, b);
            return;
        }
        StridedLoop lp = StridedLoop.of(out, a, b);
        int as = lp.innerStride[1];
        int bs = lp.innerStride[2];
        float[] aa = f(a);
        float[] ba = f(b);
        if (op.isComparison() && out.dtype() == DType.BOOL) {
            byte[] y = ((CpuStorage) out.storage()).bools();
            lp.run(GRAIN, (o, len) -> ElementwiseKernels.compare(op, y, o[0], aa, o[1], as, ba, o[2], bs, len));
        } else if (ElementwiseKernels.hasBinary(op) && f32(out)) {
            float[] y = f(out);
            lp.run(op == BinaryOp.POW ? GRAIN_HEAVY : GRAIN,
                    (o, len) -> ElementwiseKernels.binary(op, y, o[0], aa, o[1], as, ba, o[2], bs, len));
        } else {
            REF.binary(op, out, a, b);
        }
    }

    @Override
    public void clamp(Tensor out, Tensor x, double min, double max) {
        if (!f32(out, x)) {
            REF.clamp(out, x, min, max);
            return;
        }
        float[] y = f(out);
        float[] xa = f(x);
        float lo = (float) min;
        float hi = (float) max;
        StridedLoop lp = StridedLoop.of(out, x);
        int xs = lp.innerStride[1];
        lp.run(GRAIN, (o, len) -> ElementwiseKernels.clamp(y, o[0], xa, o[1], xs, lo, hi, len));
    }

    @Override
    public void where(Tensor out, Tensor cond, Tensor a, Tensor b) {
        if (!f32(out, a, b) || cond.dtype() != DType.BOOL) {
            REF.where(out, cond, a, b);
            return;
        }
        float[] y = f(out);
        byte[] c = ((CpuStorage) cond.storage()).bools();
        float[] aa = f(a);
        float[] ba = f(b);
        StridedLoop lp = StridedLoop.of(out, cond, a, b);
        int cs = lp.innerStride[1];
        int as = lp.innerStride[2];
        int bs = lp.innerStride[3];
        lp.run(GRAIN, (o, len) -> ElementwiseKernels.where(y, o[0], c, o[1], cs, aa, o[2], as, ba, o[3], bs, len));
    }

    // ------------------------------------------------------------------ reductions

    @Override
    public void reduce(ReduceOp op, Tensor out, Tensor x, int[] dims) {
        if (!f32(out, x)) {
            REF.reduce(op, out, x, dims);
            return;
        }
        float[] y = f(out);
        float[] xa = f(x);
        int yo = out.offset();
        int xo = x.offset();
        int outN = out.numel();
        if (x.numel() == 0) {
            Arrays.fill(y, yo, yo + outN, ReduceKernels.identity(op));
            return;
        }
        if (x.isContiguous()) {
            // merge neighbouring dims of the same kind (kept or reduced), dropping size-1 dims
            int[] shape = x.shape();
            boolean[] reduced = new boolean[shape.length];
            for (int d : dims) {
                reduced[d] = true;
            }
            int[] size = new int[shape.length];
            boolean[] kind = new boolean[shape.length];
            int g = 0;
            for (int d = 0; d < shape.length; d++) {
                if (shape[d] == 1) {
                    continue;
                }
                if (g > 0 && kind[g - 1] == reduced[d]) {
                    size[g - 1] *= shape[d];
                } else {
                    size[g] = shape[d];
                    kind[g] = reduced[d];
                    g++;
                }
            }
            if (g == 0 || (g == 1 && !kind[0])) {
                System.arraycopy(xa, xo, y, yo, outN); // nothing to reduce
                return;
            }
            if (g == 1) {
                reduceAll(op, y, yo, xa, xo, size[0]);
                return;
            }
            if (g == 2 && !kind[0]) {
                int n = size[1];
                Parallel.forRange(size[0], rowGrain(n, GRAIN), (r0, r1) -> ReduceKernels.rows(op, y, yo, xa, xo, r0, r1, n));
                return;
            }
            if (g == 2 || (g == 3 && !kind[0])) {
                int outer = g == 2 ? 1 : size[0];
                reduceColumns(op, y, yo, xa, xo, outer, size[g - 2], size[g - 1]);
                return;
            }
        }
        reduceStrided(op, out, x, dims);
    }

    /** y[yo] = op over n contiguous elements, in partial results per thread. */
    private static void reduceAll(ReduceOp op, float[] y, int yo, float[] x, int xo, int n) {
        int chunks = Parallel.chunks(n, GRAIN);
        if (chunks <= 1) {
            y[yo] = ReduceKernels.reduce(op, x, xo, n);
            return;
        }
        double[] part = new double[chunks];
        Parallel.forRange(chunks, 1, (c0, c1) -> {
            for (int c = c0; c < c1; c++) {
                int s = (int) ((long) n * c / chunks);
                int e = (int) ((long) n * (c + 1) / chunks);
                part[c] = op == ReduceOp.SUM ? ReduceKernels.sum(x, xo + s, e - s) : ReduceKernels.reduce(op, x, xo + s, e - s);
            }
        });
        double r = part[0];
        for (int c = 1; c < chunks; c++) {
            r = switch (op) {
                case SUM -> r + part[c];
                case MAX -> Math.max(r, part[c]);
                case MIN -> Math.min(r, part[c]);
            };
        }
        y[yo] = (float) r;
    }

    /** x viewed as [outer, n, inner] reduced over n into y [outer, inner]. */
    private static void reduceColumns(ReduceOp op, float[] y, int yo, float[] x, int xo, int outer, int n, int inner) {
        long work = (long) outer * n * inner;
        int slab = n * inner;
        if (outer >= Parallel.MAX_CHUNKS || work < 2L * GRAIN) {
            Parallel.forRange(outer, rowGrain(slab, GRAIN), (o0, o1) -> {
                for (int o = o0; o < o1; o++) {
                    ReduceKernels.columns(op, y, yo + o * inner, x, xo + o * slab, n, inner, 0, inner);
                }
            });
        } else if (inner >= 2 * Parallel.MAX_CHUNKS * Simd.F32.length()) {
            // few slabs, wide rows: split the columns
            Parallel.forRange(inner, Math.max(Simd.F32.length(), rowGrain(n, GRAIN)), (c0, c1) -> {
                for (int o = 0; o < outer; o++) {
                    ReduceKernels.columns(op, y, yo + o * inner, x, xo + o * slab, n, inner, c0, c1);
                }
            });
        } else {
            // few slabs, narrow rows, many of them: partial results per block of rows
            int chunks = Parallel.chunks(n, rowGrain(inner, GRAIN));
            int outN = outer * inner;
            float[] part = new float[chunks * outN];
            Parallel.forRange(chunks, 1, (c0, c1) -> {
                for (int c = c0; c < c1; c++) {
                    int k0 = (int) ((long) n * c / chunks);
                    int k1 = (int) ((long) n * (c + 1) / chunks);
                    for (int o = 0; o < outer; o++) {
                        ReduceKernels.columns(op, part, c * outN + o * inner, x, xo + o * slab + k0 * inner, k1 - k0,
                                inner, 0, inner);
                    }
                }
            });
            for (int i = 0; i < outN; i++) {
                float r = part[i];
                for (int c = 1; c < chunks; c++) {
                    r = ReduceKernels.combine(op, r, part[c * outN + i]);
                }
                y[yo + i] = r;
            }
        }
    }

    /** Any layout: walk x with the output's strides set to 0 on the reduced dims (one thread). */
    private static void reduceStrided(ReduceOp op, Tensor out, Tensor x, int[] dims) {
        float[] y = f(out);
        float[] xa = f(x);
        int yo = out.offset();
        Arrays.fill(y, yo, yo + out.numel(), ReduceKernels.identity(op));
        int[] outStrides = Shapes.contiguousStrides(out.shape());
        for (int d : dims) {
            outStrides[d] = 0;
        }
        StridedLoop lp = StridedLoop.of(x.shape(), new int[][] {outStrides, x.strides()}, new int[] {yo, x.offset()});
        int ys = lp.innerStride[0];
        int xs = lp.innerStride[1];
        lp.forEach(0, lp.numel, (o, len) -> {
            if (ys == 0) {
                y[o[0]] = ReduceKernels.combine(op, y[o[0]], ReduceKernels.reduceStrided(op, xa, o[1], xs, len));
            } else {
                ReduceKernels.accumulate(op, y, o[0], ys, xa, o[1], xs, len);
            }
        });
    }

    @Override
    public void argReduce(ReduceOp op, Tensor out, Tensor x, int dim) {
        if (!f32(x) || !x.isContiguous() || out.dtype() != DType.I32) {
            REF.argReduce(op, out, x, dim);
            return;
        }
        int[] shape = x.shape();
        int outer = Strided.outer(shape, dim);
        int n = shape[dim];
        int inner = Strided.inner(shape, dim);
        int[] y = ints(out);
        float[] xa = f(x);
        boolean max = op == ReduceOp.MAX;
        Parallel.forRange(outer, rowGrain(n * inner, GRAIN),
                (o0, o1) -> ReduceKernels.arg(max, y, out.offset(), xa, x.offset(), o0, o1, n, inner));
    }

    // ------------------------------------------------------------------ linear algebra

    @Override
    public void matmul(Tensor out, Tensor a, Tensor b) {
        dev.kiln.kernels.cpu.gemm.Matmul.matmul(out, a, b);
    }

    // ------------------------------------------------------------------ softmax and cross-entropy

    @Override
    public void softmax(Tensor out, Tensor x, int dim) {
        softmaxForward(out, x, dim, false);
    }

    @Override
    public void logSoftmax(Tensor out, Tensor x, int dim) {
        softmaxForward(out, x, dim, true);
    }

    private static void softmaxForward(Tensor out, Tensor x, int dim, boolean log) {
        if (!f32(out, x)) {
            if (log) {
                REF.logSoftmax(out, x, dim);
            } else {
                REF.softmax(out, x, dim);
            }
            return;
        }
        int[] shape = x.shape();
        int outer = Strided.outer(shape, dim);
        int n = shape[dim];
        int inner = Strided.inner(shape, dim);
        float[] y = f(out);
        float[] xa = f(x);
        int yo = out.offset();
        int xo = x.offset();
        if (inner == 1) {
            Parallel.forRange(outer, rowGrain(n, GRAIN_HEAVY), (r0, r1) -> {
                if (log) {
                    SoftmaxKernels.logSoftmaxRows(y, yo, xa, xo, r0, r1, n);
                } else {
                    SoftmaxKernels.softmaxRows(y, yo, xa, xo, r0, r1, n);
                }
            });
        } else {
            Parallel.forRange(outer, rowGrain(n * inner, GRAIN_HEAVY),
                    (o0, o1) -> SoftmaxKernels.softmaxSlabs(log, y, yo, xa, xo, o0, o1, n, inner));
        }
    }

    @Override
    public void softmaxBackward(Tensor dx, Tensor y, Tensor dy, int dim) {
        softmaxBackward(dx, y, dy, dim, false);
    }

    @Override
    public void logSoftmaxBackward(Tensor dx, Tensor y, Tensor dy, int dim) {
        softmaxBackward(dx, y, dy, dim, true);
    }

    private static void softmaxBackward(Tensor dx, Tensor y, Tensor dy, int dim, boolean log) {
        if (!f32(dx, y, dy)) {
            if (log) {
                REF.logSoftmaxBackward(dx, y, dy, dim);
            } else {
                REF.softmaxBackward(dx, y, dy, dim);
            }
            return;
        }
        int[] shape = y.shape();
        int outer = Strided.outer(shape, dim);
        int n = shape[dim];
        int inner = Strided.inner(shape, dim);
        float[] g = f(dx);
        float[] ya = f(y);
        float[] dya = f(dy);
        int go = dx.offset();
        int yo = y.offset();
        int dyo = dy.offset();
        if (inner == 1) {
            Parallel.forRange(outer, rowGrain(n, log ? GRAIN_HEAVY : GRAIN), (r0, r1) -> {
                if (log) {
                    SoftmaxKernels.logSoftmaxBackwardRows(g, go, ya, yo, dya, dyo, r0, r1, n);
                } else {
                    SoftmaxKernels.softmaxBackwardRows(g, go, ya, yo, dya, dyo, r0, r1, n);
                }
            });
        } else {
            Parallel.forRange(outer, rowGrain(n * inner, GRAIN_HEAVY),
                    (o0, o1) -> SoftmaxKernels.softmaxBackwardSlabs(log, g, go, ya, yo, dya, dyo, o0, o1, n, inner));
        }
    }

    @Override
    public void crossEntropy(Tensor loss, Tensor logits, Tensor labels, int ignoreIndex) {
        if (!f32(loss, logits) || labels.dtype() != DType.I32) {
            REF.crossEntropy(loss, logits, labels, ignoreIndex);
            return;
        }
        int rows = logits.size(0);
        int c = logits.size(1);
        float[] l = f(loss);
        float[] x = f(logits);
        int[] lb = ints(labels);
        Parallel.forRange(rows, rowGrain(c, GRAIN_HEAVY), (r0, r1) -> SoftmaxKernels.crossEntropy(l, loss.offset(), x,
                logits.offset(), lb, labels.offset(), ignoreIndex, r0, r1, c));
    }

    @Override
    public void crossEntropyBackward(Tensor dlogits, Tensor logits, Tensor labels, Tensor dloss, int ignoreIndex) {
        if (!f32(dlogits, logits, dloss) || labels.dtype() != DType.I32) {
            REF.crossEntropyBackward(dlogits, logits, labels, dloss, ignoreIndex);
            return;
        }
        int rows = logits.size(0);
        int c = logits.size(1);
        float[] g = f(dlogits);
        float[] x = f(logits);
        int[] lb = ints(labels);
        float[] dl = f(dloss);
        Parallel.forRange(rows, rowGrain(c, GRAIN_HEAVY), (r0, r1) -> SoftmaxKernels.crossEntropyBackward(g,
                dlogits.offset(), x, logits.offset(), lb, labels.offset(), dl, dloss.offset(), ignoreIndex, r0, r1, c));
    }

    // ------------------------------------------------------------------ indexing

    @Override
    public void indexSelect(Tensor out, Tensor x, int dim, Tensor index) {
        if (!x.isContiguous() || out.dtype() != x.dtype() || index.dtype() != DType.I32) {
            REF.indexSelect(out, x, dim, index);
            return;
        }
        int[] shape = x.shape();
        int outer = Strided.outer(shape, dim);
        int n = shape[dim];
        int inner = Strided.inner(shape, dim);
        int m = index.numel();
        Object y = array(out);
        Object xa = array(x);
        int[] idx = ints(index);
        int is = index.dim() == 0 ? 0 : index.strides()[0];
        Parallel.forRange(outer * m, rowGrain(inner, GRAIN), (u0, u1) -> IndexKernels.indexSelect(y, out.offset(), xa,
                x.offset(), idx, index.offset(), is, u0, u1, n, m, inner));
    }

    @Override
    public void indexAdd(Tensor out, int dim, Tensor index, Tensor src) {
        if (!f32(out, src) || !src.isContiguous() || index.dtype() != DType.I32) {
            REF.indexAdd(out, dim, index, src);
            return;
        }
        int[] shape = out.shape();
        int outer = Strided.outer(shape, dim);
        int n = shape[dim];
        int inner = Strided.inner(shape, dim);
        int m = index.numel();
        float[] y = f(out);
        float[] s = f(src);
        int[] idx = ints(index);
        int is = index.dim() == 0 ? 0 : index.strides()[0];
        // split by columns: repeated indices then never race
        int grain = Math.max(4 * Simd.F32.length(), rowGrain(outer * m, GRAIN));
        Parallel.forRange(inner, grain, (c0, c1) -> IndexKernels.indexAdd(y, out.offset(), idx, index.offset(), is, s,
                src.offset(), outer, n, m, inner, c0, c1));
    }

    @Override
    public void gather(Tensor out, Tensor x, int dim, Tensor index) {
        if (!f32(out, x) || index.dtype() != DType.I32) {
            REF.gather(out, x, dim, index);
            return;
        }
        int[] xStrides = x.strides();
        int xd = x.dim() == 0 ? 0 : xStrides[dim];
        if (x.dim() > 0) {
            xStrides[dim] = 0;
        }
        int[] shape = index.shape();
        StridedLoop lp = StridedLoop.of(shape, new int[][] {out.strides(), index.strides(), xStrides},
                new int[] {out.offset(), index.offset(), x.offset()});
        float[] y = f(out);
        float[] xa = f(x);
        int[] idx = ints(index);
        int is = lp.innerStride[1];
        int xs = lp.innerStride[2];
        lp.run(GRAIN, (o, len) -> IndexKernels.gather(y, o[0], xa, o[2], xs, xd, idx, o[1], is, len));
    }

    @Override
    public void scatterAdd(Tensor out, int dim, Tensor index, Tensor src) {
        if (!f32(out, src) || index.dtype() != DType.I32) {
            REF.scatterAdd(out, dim, index, src);
            return;
        }
        int[] outStrides = out.strides();
        int od = out.dim() == 0 ? 0 : outStrides[dim];
        if (out.dim() > 0) {
            outStrides[dim] = 0;
        }
        StridedLoop lp = StridedLoop.of(index.shape(), new int[][] {outStrides, index.strides(), src.strides()},
                new int[] {out.offset(), index.offset(), src.offset()});
        float[] y = f(out);
        float[] s = f(src);
        int[] idx = ints(index);
        int os = lp.innerStride[0];
        int is = lp.innerStride[1];
        int ss = lp.innerStride[2];
        // one thread: two positions may scatter into one element
        lp.forEach(0, lp.numel, (o, len) -> IndexKernels.scatterAdd(y, o[0], os, od, idx, o[1], is, s, o[2], ss, len));
    }

    // ------------------------------------------------------------------ normalisation

    private static float[] fOrNull(Tensor t) {
        return t == null ? null : f(t);
    }

    private static int off(Tensor t) {
        return t == null ? 0 : t.offset();
    }

    @Override
    public void layerNorm(Tensor out, Tensor mean, Tensor rstd, Tensor x, Tensor weight, Tensor bias, double eps) {
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

    @Override
    public void layerNormBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor dy, Tensor x, Tensor mean,
                                  Tensor rstd, Tensor weight) {
        if (!f32(dx, dweight, dbias, dy, x, mean, rstd, weight)) {
            REF.layerNormBackward(dx, dweight, dbias, dy, x, mean, rstd, weight);
            return;
        }
        normBackward(dx, dweight, dbias, dy, x, mean, rstd, weight);
    }

    @Override
    public void rmsNorm(Tensor out, Tensor rstd, Tensor x, Tensor weight, double eps) {
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

    @Override
    public void rmsNormBackward(Tensor dx, Tensor dweight, Tensor dy, Tensor x, Tensor rstd, Tensor weight) {
        if (!f32(dx, dweight, dy, x, rstd, weight)) {
            REF.rmsNormBackward(dx, dweight, dy, x, rstd, weight);
            return;
        }
        normBackward(dx, dweight, null, dy, x, null, rstd, weight);
    }

    /**
     * Both norms' backward, rows split over threads; each thread adds its rows' dweight and dbias
     * into a partial buffer of its own, and the partials are summed at the end.
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

    private static void sumPartials(Tensor out, float[] part, int chunks, int d) {
        if (out == null) {
            return;
        }
        float[] y = f(out);
        int yo = out.offset();
        System.arraycopy(part, 0, y, yo, d);
        for (int c = 1; c < chunks; c++) {
            ElementwiseKernels.add(y, yo, y, yo, 1, part, c * d, 1, d);
        }
    }

    // ------------------------------------------------------------------ optimizer steps

    @Override
    public void adamStep(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor maxExpAvgSq,
                         AdamConfig config) {
        if (!f32(param, grad, expAvg, expAvgSq, maxExpAvgSq)) {
            REF.adamStep(param, grad, expAvg, expAvgSq, maxExpAvgSq, config);
            return;
        }
        float[] p = f(param);
        float[] g = f(grad);
        float[] m = f(expAvg);
        float[] v = f(expAvgSq);
        float[] vmax = fOrNull(maxExpAvgSq);
        Parallel.forRange(param.numel(), GRAIN / 2, (i0, i1) -> OptimizerKernels.adamStep(p, param.offset(), g,
                grad.offset(), m, expAvg.offset(), v, expAvgSq.offset(), vmax, off(maxExpAvgSq), config, i0, i1));
    }

    // ------------------------------------------------------------------ activations

    @Override
    public void unaryBackward(UnaryOp op, Tensor dx, Tensor x, Tensor dy) {
        if (!f32(dx, x, dy) || !ActivationKernels.hasBackward(op)) {
            REF.unaryBackward(op, dx, x, dy);
            return;
        }
        float[] g = f(dx);
        float[] xa = f(x);
        float[] dya = f(dy);
        StridedLoop lp = StridedLoop.of(dx, x, dy);
        int xs = lp.innerStride[1];
        int gs = lp.innerStride[2];
        lp.run(op == UnaryOp.RELU ? GRAIN : GRAIN_HEAVY, (o, len) -> {
            if (xs == 1 && gs == 1) {
                ActivationKernels.backward(op, g, o[0], xa, o[1], dya, o[2], len);
            } else {
                ActivationKernels.backwardStrided(op, g, o[0], xa, o[1], xs, dya, o[2], gs, len);
            }
        });
    }

    @Override
    public void activation(Activation fn, Tensor out, Tensor x) {
        if (!f32(out, x)) {
            REF.activation(fn, out, x);
            return;
        }
        float[] y = f(out);
        float[] xa = f(x);
        StridedLoop lp = StridedLoop.of(out, x);
        int xs = lp.innerStride[1];
        lp.run(GRAIN_HEAVY, (o, len) -> ActivationKernels.activation(fn, y, o[0], xa, o[1], xs, len));
    }

    @Override
    public void activationBackward(Activation fn, Tensor dx, Tensor x, Tensor dy) {
        if (!f32(dx, x, dy)) {
            REF.activationBackward(fn, dx, x, dy);
            return;
        }
        float[] g = f(dx);
        float[] xa = f(x);
        float[] dya = f(dy);
        StridedLoop lp = StridedLoop.of(dx, x, dy);
        int xs = lp.innerStride[1];
        int gs = lp.innerStride[2];
        lp.run(GRAIN_HEAVY, (o, len) -> ActivationKernels.activationBackward(fn, g, o[0], xa, o[1], xs, dya, o[2], gs,
                len));
    }

    @Override
    public void prelu(Tensor out, Tensor x, Tensor weight) {
        if (!f32(out, x, weight)) {
            REF.prelu(out, x, weight);
            return;
        }
        int channels = weight.numel();
        float[] y = f(out);
        float[] xa = f(x);
        float[] w = f(weight);
        int yo = out.offset();
        int xo = x.offset();
        int wo = weight.offset();
        if (channels == 1) {
            // one shared slope: any split of the elements will do
            Parallel.forRange(x.numel(), GRAIN, (s, e) -> ActivationKernels.prelu(y, yo + s, xa, xo + s, w, wo, 1, e - s,
                    0, 1));
            return;
        }
        int inner = Strided.inner(x.shape(), 1);
        int units = x.numel() / Math.max(inner, 1);
        Parallel.forRange(units, rowGrain(inner, GRAIN),
                (u0, u1) -> ActivationKernels.prelu(y, yo, xa, xo, w, wo, channels, inner, u0, u1));
    }

    @Override
    public void preluBackward(Tensor dx, Tensor dweight, Tensor dy, Tensor x, Tensor weight) {
        if (!f32(dx, dweight, dy, x, weight)) {
            REF.preluBackward(dx, dweight, dy, x, weight);
            return;
        }
        int channels = weight.numel();
        boolean shared = channels == 1;
        int n = x.numel();
        // a shared slope splits the elements (runs of one element); per-channel slopes split (outer, channel) runs
        int inner = shared ? 1 : Strided.inner(x.shape(), 1);
        int units = shared ? n : n / Math.max(inner, 1);
        float[] g = dx == null ? null : f(dx);
        float[] dya = f(dy);
        float[] xa = f(x);
        float[] w = f(weight);
        int dxo = dx == null ? 0 : dx.offset();
        int chunks = Math.max(1, Parallel.chunks(units, rowGrain(inner, GRAIN)));
        float[] part = dweight == null ? null : new float[chunks * channels];
        Parallel.forRange(chunks, 1, (c0, c1) -> {
            for (int c = c0; c < c1; c++) {
                int u0 = (int) ((long) units * c / chunks);
                int u1 = (int) ((long) units * (c + 1) / chunks);
                if (shared) {
                    ActivationKernels.preluBackward(g, dxo + u0, part, c, dya, dy.offset() + u0, xa, x.offset() + u0, w,
                            weight.offset(), 1, u1 - u0, 0, u0 < u1 ? 1 : 0);
                } else {
                    ActivationKernels.preluBackward(g, dxo, part, c * channels, dya, dy.offset(), xa, x.offset(), w,
                            weight.offset(), channels, inner, u0, u1);
                }
            }
        });
        if (dweight != null) {
            sumPartials(dweight, part, chunks, channels);
        }
    }

    @Override
    public void pau(Tensor out, Tensor x, Tensor numerator, Tensor denominator) {
        REF.pau(out, x, numerator, denominator);
    }

    @Override
    public void pauBackward(Tensor dx, Tensor dnumerator, Tensor ddenominator, Tensor dy, Tensor x, Tensor numerator,
                            Tensor denominator) {
        REF.pauBackward(dx, dnumerator, ddenominator, dy, x, numerator, denominator);
    }

    // ---- KAN B-spline basis (KanKernels; F64 goes to the reference loops) ----

    @Override
    public void bsplineBasis(Tensor out, Tensor derivative, Tensor x, Tensor grid, int order) {
        if (x.dtype() != DType.F32) {
            REF.bsplineBasis(out, derivative, x, grid, order);
            return;
        }
        int in = grid.size(0);
        int knots = grid.size(1);
        KanKernels.bsplineBasis(floats(out), out.offset(), derivative == null ? null : floats(derivative),
                derivative == null ? 0 : derivative.offset(), floats(x), x.offset(), floats(grid), grid.offset(),
                in == 0 ? 0 : x.numel() / in, in, knots, order);
    }

    @Override
    public void bsplineBasisBackward(Tensor dx, Tensor dy, Tensor derivative) {
        if (dy.dtype() != DType.F32) {
            REF.bsplineBasisBackward(dx, dy, derivative);
            return;
        }
        KanKernels.bsplineBasisBackward(floats(dx), dx.offset(), floats(dy), dy.offset(), floats(derivative),
                derivative.offset(), dx.numel(), dy.size(dy.dim() - 1));
    }

    private static float[] floats(Tensor t) {
        return ((CpuStorage) t.storage()).floats();
    }

    // ---- attention (AttentionKernels; F64 goes to the reference loops) ----

    @Override
    public void scaledDotProductAttention(Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, boolean isCausal,
                                          double scale) {
        if (q.dtype() != DType.F32) {
            REF.scaledDotProductAttention(out, lse, q, k, v, isCausal, scale);
            return;
        }
        AttentionKernels.scaledDotProductAttention(out, lse, q, k, v, isCausal, scale);
    }

    @Override
    public void scaledDotProductAttentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k,
                                                  Tensor v, Tensor out, Tensor lse, boolean isCausal, double scale) {
        if (q.dtype() != DType.F32) {
            REF.scaledDotProductAttentionBackward(dq, dk, dv, dout, q, k, v, out, lse, isCausal, scale);
            return;
        }
        AttentionKernels.scaledDotProductAttentionBackward(dq, dk, dv, dout, q, k, v, out, lse, isCausal, scale);
    }

    @Override
    public void linearAttention(Tensor out, Tensor q, Tensor k, Tensor v, boolean isCausal, double eps) {
        if (q.dtype() != DType.F32) {
            REF.linearAttention(out, q, k, v, isCausal, eps);
            return;
        }
        AttentionKernels.linearAttention(out, q, k, v, isCausal, eps);
    }

    @Override
    public void linearAttentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k, Tensor v,
                                        boolean isCausal, double eps) {
        if (q.dtype() != DType.F32) {
            REF.linearAttentionBackward(dq, dk, dv, dout, q, k, v, isCausal, eps);
            return;
        }
        AttentionKernels.linearAttentionBackward(dq, dk, dv, dout, q, k, v, isCausal, eps);
    }
}
