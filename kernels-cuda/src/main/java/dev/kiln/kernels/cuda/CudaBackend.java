package dev.kiln.kernels.cuda;

import java.util.Arrays;
import java.util.List;

import dev.kiln.tensor.Activation;
import dev.kiln.tensor.AdamConfig;
import dev.kiln.tensor.Backend;
import dev.kiln.tensor.BinaryOp;
import dev.kiln.tensor.CpuStorage;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Device;
import dev.kiln.tensor.ReduceOp;
import dev.kiln.tensor.Storage;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;

/**
 * The CUDA backend: every op of the {@link Backend} contract as a kernel from
 * {@code src/main/cuda} (or a cuBLAS call for matmul), on device memory, with no copy through
 * the host except in {@link #copyFromHost}/{@link #copyToHost}. Offered by {@code Backends} only
 * where {@link Cuda#isAvailable()}.
 *
 * <p>Options (system properties, or the setters): {@code kiln.cuda.tf32} lets FP32 matmuls use
 * TF32 tensor cores (off by default, as PyTorch's {@code allow_tf32}); {@code kiln.cuda.gemm}
 * picks {@code cublas} (default) or {@code handwritten} (the tiled SGEMM of gemm.cu).
 */
public final class CudaBackend implements Backend {
    private static volatile boolean allowTf32 = Boolean.getBoolean("kiln.cuda.tf32");
    private static volatile boolean handwrittenGemm = "handwritten".equalsIgnoreCase(
            System.getProperty("kiln.cuda.gemm", "cublas"));

    /** Public for {@link java.util.ServiceLoader}; touches no CUDA library until used. */
    public CudaBackend() {
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public Device.Type deviceType() {
        return Device.Type.CUDA;
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public boolean isAvailable() {
        return Cuda.isAvailable();
    }

    /** Whether FP32 matmuls may round their inputs to TF32 (about 1e-3 relative error, much faster). */
    public static void setAllowTf32(boolean allow) {
        allowTf32 = allow;
    }

    public static boolean allowTf32() {
        return allowTf32;
    }

    /** Use the hand-written SGEMM instead of cuBLAS (for comparison; cuBLAS is faster). */
    public static void setHandwrittenGemm(boolean handwritten) {
        handwrittenGemm = handwritten;
    }

    public static boolean handwrittenGemm() {
        return handwrittenGemm;
    }

    /** What computes matmuls on this device: the cuBLAS binding, or why the hand-written kernel is used. */
    public static String gemmDescription(int deviceIndex) {
        CudaDevice d = Cuda.device(deviceIndex);
        Blas blas = d.blas();
        return blas != null ? blas.description() : "hand-written kernels (cuBLAS unavailable: " + d.blasFailure() + ")";
    }

    // ---------------------------------------------------------------- helpers

    private static CudaStorage cs(Tensor t) {
        Storage s = t.storage();
        if (!(s instanceof CudaStorage c)) {
            throw new IllegalArgumentException("cuda: expected a tensor on a CUDA device, got one on " + t.device());
        }
        return c;
    }

    private static CudaDevice dev(Tensor t) {
        return cs(t).cudaDevice();
    }

    /** The device address of the tensor's first element (its offset applied). */
    private static long ptr(Tensor t) {
        return cs(t).address() + (long) t.offset() * t.dtype().byteSize();
    }

    /** The address of an optional tensor, 0 (a null pointer for the kernel) when absent. */
    private static long ptrOrNull(Tensor t) {
        return t == null ? 0 : ptr(t);
    }

    private static String sfx(Tensor t) {
        return Kernels.suffix(t.dtype());
    }

    private static int[] zeroAt(int[] strides, int dim) {
        int[] s = strides.clone();
        if (dim < s.length) {
            s[dim] = 0;
        }
        return s;
    }

    /** Threads per block for a row of n elements: enough warps to cover it, at most 512. */
    static int rowBlock(int n) {
        if (n <= 32) {
            return 32;
        }
        if (n <= 64) {
            return 64;
        }
        if (n <= 128) {
            return 128;
        }
        return n < 4096 ? 256 : 512;
    }

    /** A contiguous copy on the same device (for kernels that need row-major input). */
    private Tensor contiguousCopy(Tensor t) {
        CudaDevice d = dev(t);
        Tensor out = Tensor.fromStorage(d.allocate(t.dtype(), t.numel()), t.shape(), contiguousStrides(t.shape()), 0);
        copy(out, t);
        return out;
    }

    private static int[] contiguousStrides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            s[d] = acc;
            acc *= Math.max(shape[d], 1);
        }
        return s;
    }

    /** What an elementwise launch needs for one chunk: the packed layout and each operand's address. */
    @FunctionalInterface
    private interface LayoutArgs {
        Args build(int[] layout, long[] addresses);
    }

    /**
     * Launches one thread per element of {@code shape} over these operands (a Layout of their
     * strides), in as many launches as the layout needs chunks.
     */
    private static void forEachChunk(CudaDevice d, KernelSpec spec, String suffix, int[] shape, Tensor[] ops,
                                     LayoutArgs args) {
        int[][] strides = new int[ops.length][];
        for (int k = 0; k < ops.length; k++) {
            strides[k] = ops[k].strides();
        }
        forEachChunk(d, spec, suffix, Layout.of(shape, strides), ops, args);
    }

    private static void forEachChunk(CudaDevice d, KernelSpec spec, String suffix, Layout layout, Tensor[] ops,
                                     LayoutArgs args) {
        if (layout.numel() == 0) {
            return;
        }
        long[] base = new long[ops.length];
        for (int k = 0; k < ops.length; k++) {
            base[k] = ptr(ops[k]);
        }
        for (Layout.Chunk c : layout.chunks()) {
            long[] addr = new long[ops.length];
            for (int k = 0; k < ops.length; k++) {
                addr[k] = base[k] + (long) c.offsets()[k] * ops[k].dtype().byteSize();
            }
            d.launch1d(spec, suffix, c.layout().numel(), args.build(c.layout().pack(), addr));
        }
    }

    private static boolean aligned16(long... addresses) {
        for (long a : addresses) {
            if ((a & 15) != 0) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- memory and movement

    @Override
    public Storage allocate(DType dtype, int numel, Device device) {
        if (device.type() != Device.Type.CUDA) {
            throw new IllegalArgumentException("cuda: cannot allocate on " + device);
        }
        return Cuda.device(device.index()).allocate(dtype, numel);
    }

    @Override
    public void copy(Tensor out, Tensor src) {
        CudaDevice d = dev(out);
        if (out.numel() == 0) {
            return;
        }
        if (out.dtype() == src.dtype() && out.isContiguous() && src.isContiguous() && cs(out) != cs(src)) {
            d.copyDeviceToDevice(ptr(out), ptr(src), (long) out.numel() * out.dtype().byteSize());
            return;
        }
        if (cs(out) == cs(src)) {
            // views of one buffer may overlap: read everything before writing, as the reference does
            Tensor tmp = contiguousCopy(src);
            try {
                copy(out, tmp);
            } finally {
                ((CudaStorage) tmp.storage()).close();
            }
            return;
        }
        forEachChunk(d, Kernels.COPY, sfx(src) + "_" + sfx(out), out.shape(), new Tensor[] {out, src},
                (l, a) -> new Args().layout(l).ptr(a[0]).ptr(a[1]));
    }

    @Override
    public void fill(Tensor out, double value) {
        forEachChunk(dev(out), Kernels.FILL, sfx(out), out.shape(), new Tensor[] {out},
                (l, a) -> new Args().layout(l).ptr(a[0]).d(value));
    }

    @Override
    public void copyFromHost(Tensor out, Tensor hostSrc) {
        long bytes = (long) out.numel() * out.dtype().byteSize();
        dev(out).copyHostToDevice(ptr(out), hostArray(hostSrc), (long) hostSrc.offset() * hostSrc.dtype().byteSize(),
                bytes);
    }

    @Override
    public void copyToHost(Tensor hostOut, Tensor src) {
        long bytes = (long) src.numel() * src.dtype().byteSize();
        dev(src).copyDeviceToHost(hostArray(hostOut), (long) hostOut.offset() * hostOut.dtype().byteSize(), ptr(src),
                bytes);
    }

    /** The Java array behind a host tensor. */
    private static Object hostArray(Tensor t) {
        if (!(t.storage() instanceof CpuStorage s)) {
            throw new IllegalArgumentException("cuda: expected a host tensor, got one on " + t.device());
        }
        return switch (t.dtype()) {
            case F32 -> s.floats();
            case F64 -> s.doubles();
            case I32 -> s.ints();
            case BOOL -> s.bools();
        };
    }

    // ---------------------------------------------------------------- elementwise

    @Override
    public void unary(UnaryOp op, Tensor out, Tensor x) {
        CudaDevice d = dev(out);
        int code = OpCodes.unary(op);
        int n = out.numel();
        if (out.dtype() == DType.F32 && x.isContiguous() && out.isContiguous() && aligned16(ptr(out), ptr(x))) {
            d.launch(Kernels.UNARY_VEC4, "", CudaDevice.blocks((n + 3L) / 4, 256), 1, 1, 256, 0,
                    new Args().i(n).i(code).ptr(ptr(out)).ptr(ptr(x)));
            return;
        }
        forEachChunk(d, Kernels.UNARY, sfx(x), out.shape(), new Tensor[] {out, x},
                (l, a) -> new Args().layout(l).i(code).ptr(a[0]).ptr(a[1]));
    }

    @Override
    public void binary(BinaryOp op, Tensor out, Tensor a, Tensor b) {
        CudaDevice d = dev(out);
        if (op.isComparison()) {
            int code = OpCodes.compare(op);
            forEachChunk(d, Kernels.COMPARE, sfx(a), out.shape(), new Tensor[] {out, a, b},
                    (l, p) -> new Args().layout(l).i(code).ptr(p[0]).ptr(p[1]).ptr(p[2]));
            return;
        }
        if (a.dtype() == DType.I32 && op.needsFloat()) {
            throw new IllegalArgumentException(op.opName() + ": needs floating-point tensors, got I32");
        }
        int code = OpCodes.binary(op);
        int n = out.numel();
        if (out.dtype() == DType.F32 && a.isContiguous() && b.isContiguous() && out.isContiguous()
                && aligned16(ptr(out), ptr(a), ptr(b))) {
            d.launch(Kernels.BINARY_VEC4, "", CudaDevice.blocks((n + 3L) / 4, 256), 1, 1, 256, 0,
                    new Args().i(n).i(code).ptr(ptr(out)).ptr(ptr(a)).ptr(ptr(b)));
            return;
        }
        forEachChunk(d, Kernels.BINARY, sfx(a), out.shape(), new Tensor[] {out, a, b},
                (l, p) -> new Args().layout(l).i(code).ptr(p[0]).ptr(p[1]).ptr(p[2]));
    }

    @Override
    public void clamp(Tensor out, Tensor x, double min, double max) {
        forEachChunk(dev(out), Kernels.CLAMP, sfx(x), out.shape(), new Tensor[] {out, x},
                (l, a) -> new Args().layout(l).ptr(a[0]).ptr(a[1]).d(min).d(max));
    }

    @Override
    public void where(Tensor out, Tensor cond, Tensor a, Tensor b) {
        forEachChunk(dev(out), Kernels.WHERE, sfx(out), out.shape(), new Tensor[] {out, cond, a, b},
                (l, p) -> new Args().layout(l).ptr(p[0]).ptr(p[1]).ptr(p[2]).ptr(p[3]));
    }

    // ---------------------------------------------------------------- activations

    @Override
    public void unaryBackward(UnaryOp op, Tensor dx, Tensor x, Tensor dy) {
        int code = OpCodes.unary(op);
        forEachChunk(dev(dx), Kernels.UNARY_BACKWARD, sfx(x), dx.shape(), new Tensor[] {dx, x, dy},
                (l, a) -> new Args().layout(l).i(code).ptr(a[0]).ptr(a[1]).ptr(a[2]));
    }

    @Override
    public void activation(Activation f, Tensor out, Tensor x) {
        double[] p = Arrays.copyOf(f.params(), 4);
        int code = OpCodes.activation(f.kind());
        forEachChunk(dev(out), Kernels.ACTIVATION, sfx(x), out.shape(), new Tensor[] {out, x},
                (l, a) -> new Args().layout(l).i(code).d(p[0]).d(p[1]).d(p[2]).d(p[3]).ptr(a[0]).ptr(a[1]));
    }

    @Override
    public void activationBackward(Activation f, Tensor dx, Tensor x, Tensor dy) {
        double[] p = Arrays.copyOf(f.params(), 4);
        int code = OpCodes.activation(f.kind());
        forEachChunk(dev(dx), Kernels.ACTIVATION_BACKWARD, sfx(x), dx.shape(), new Tensor[] {dx, x, dy},
                (l, a) -> new Args().layout(l).i(code).d(p[0]).d(p[1]).d(p[2]).d(p[3]).ptr(a[0]).ptr(a[1])
                        .ptr(a[2]));
    }

    /** PReLU's view of x: [outer, channels, inner] with one slope per channel, or one shared slope. */
    private static int preluInner(Tensor x, int channels) {
        return channels == 1 ? 1 : inner(x.shape(), 1);
    }

    @Override
    public void prelu(Tensor out, Tensor x, Tensor weight) {
        int n = x.numel();
        int channels = weight.numel();
        dev(out).launch1d(Kernels.PRELU, sfx(x), n, new Args().i(n).i(channels).i(preluInner(x, channels))
                .ptr(ptr(out)).ptr(ptr(x)).ptr(ptr(weight)));
    }

    @Override
    public void preluBackward(Tensor dx, Tensor dweight, Tensor dy, Tensor x, Tensor weight) {
        CudaDevice d = dev(dy);
        int n = x.numel();
        int channels = weight.numel();
        int inner = preluInner(x, channels);
        if (dx != null) {
            d.launch1d(Kernels.PRELU_BACKWARD, sfx(x), n, new Args().i(n).i(channels).i(inner).ptr(ptr(dx))
                    .ptr(ptr(dy)).ptr(ptr(x)).ptr(ptr(weight)));
        }
        if (dweight == null) {
            return;
        }
        long perChannel = n / channels;
        if (perChannel == 0) {
            fill(dweight, 0);
            return;
        }
        int splits = (int) Math.max(1, Math.min(ceilDiv(perChannel, 8192), ceilDiv(4L * d.multiprocessors(), channels)));
        CachingAllocator.Block partial = d.scratch((long) channels * splits * 8);
        try {
            d.launch(Kernels.PRELU_WEIGHT_PARTIAL, sfx(x), channels, splits, 1, 256, 0, new Args().i(n).i(channels)
                    .i(inner).i(splits).ptr(partial.address()).ptr(ptr(dy)).ptr(ptr(x)));
            d.launch(Kernels.REDUCE_FINISH, sfx(dweight), channels, 1, 1, rowBlock(splits), 0, new Args().i(channels)
                    .i(splits).i(OpCodes.reduce(ReduceOp.SUM)).ptr(ptr(dweight)).ptr(partial.address()));
        } finally {
            d.release(partial);
        }
    }

    @Override
    public void pau(Tensor out, Tensor x, Tensor numerator, Tensor denominator) {
        int n = x.numel();
        dev(out).launch1d(Kernels.PAU, sfx(x), n, new Args().i(n).i(numerator.numel()).i(denominator.numel())
                .ptr(ptr(out)).ptr(ptr(x)).ptr(ptr(numerator)).ptr(ptrOrNull(denominator)));
    }

    @Override
    public void pauBackward(Tensor dx, Tensor dnumerator, Tensor ddenominator, Tensor dy, Tensor x, Tensor numerator,
                            Tensor denominator) {
        CudaDevice d = dev(dy);
        int n = x.numel();
        int m1 = numerator.numel();
        int nd = denominator.numel();
        boolean sums = dnumerator != null || ddenominator != null && nd > 0;
        if (n == 0) {
            if (dnumerator != null) {
                fill(dnumerator, 0);
            }
            if (ddenominator != null) {
                fill(ddenominator, 0);
            }
            return;
        }
        if (dx == null && !sums) {
            return;
        }
        int splits = (int) Math.max(1, Math.min(ceilDiv(n, 256L * 16), 4L * d.multiprocessors()));
        CachingAllocator.Block partial = sums ? d.scratch((long) (m1 + nd) * splits * 8) : null;
        try {
            long pp = partial == null ? 0 : partial.address();
            d.launch(Kernels.PAU_BACKWARD, sfx(x), splits, 1, 1, 256, 0, new Args().i(n).i(m1).i(nd)
                    .ptr(ptrOrNull(dx)).ptr(pp).ptr(ptr(dy)).ptr(ptr(x)).ptr(ptr(numerator))
                    .ptr(ptrOrNull(denominator)));
            int sum = OpCodes.reduce(ReduceOp.SUM);
            if (dnumerator != null) {
                d.launch(Kernels.REDUCE_FINISH, sfx(dnumerator), m1, 1, 1, rowBlock(splits), 0, new Args().i(m1)
                        .i(splits).i(sum).ptr(ptr(dnumerator)).ptr(pp));
            }
            if (ddenominator != null && nd > 0) {
                d.launch(Kernels.REDUCE_FINISH, sfx(ddenominator), nd, 1, 1, rowBlock(splits), 0, new Args().i(nd)
                        .i(splits).i(sum).ptr(ptr(ddenominator)).ptr(pp + (long) m1 * splits * 8));
            }
        } finally {
            if (partial != null) {
                d.release(partial);
            }
        }
    }

    // ---------------------------------------------------------------- attention
    //
    // Backend's attention contract: q [B, H, Tq, D], k [B, Hkv, Tk, D], v [B, Hkv, Tk, Dv], unit
    // stride in the last dim, end-aligned causal masks, lse saved for the backward.

    private static final int ATT_SOFTMAX = 0;
    private static final int ATT_LINEAR = 1;

    /** out = softmax(q·kᵀ·scale + mask)·v per head, lse [B, H, Tq] saved (−∞ for a row that sees no key). */
    @Override
    public void scaledDotProductAttention(Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, boolean isCausal,
                                          double scale) {
        attentionForward("scaledDotProductAttention", ATT_SOFTMAX, scale, out, lse, q, k, v, isCausal);
    }

    /** dq, dk, dv of {@link #scaledDotProductAttention} from dout and the forward's out and lse. */
    @Override
    public void scaledDotProductAttentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k,
                                                  Tensor v, Tensor out, Tensor lse, boolean isCausal, double scale) {
        attentionBackward("scaledDotProductAttentionBackward", ATT_SOFTMAX, scale, dq, dk, dv, dout, q, k, v, out, lse,
                isCausal);
    }

    /** Normalised linear attention: out_i = Σ_j (q_i·k_j) v_j / (eps + Σ_j q_i·k_j) over the keys query i sees. */
    @Override
    public void linearAttention(Tensor out, Tensor q, Tensor k, Tensor v, boolean isCausal, double eps) {
        CudaDevice d = dev(out);
        Tensor den = scratchTensor(d, q.dtype(), q.size(0), q.size(1), q.size(2));
        try {
            attentionForward("linearAttention", ATT_LINEAR, eps, out, den, q, k, v, isCausal);
        } finally {
            ((CudaStorage) den.storage()).close();
        }
    }

    /** The gradients of {@link #linearAttention}: the forward is rerun for out and the denominators. */
    @Override
    public void linearAttentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k, Tensor v,
                                        boolean isCausal, double eps) {
        CudaDevice d = dev(dq);
        Tensor out = scratchTensor(d, q.dtype(), q.size(0), q.size(1), q.size(2), v.size(3));
        Tensor den = scratchTensor(d, q.dtype(), q.size(0), q.size(1), q.size(2));
        try {
            attentionForward("linearAttentionBackward", ATT_LINEAR, eps, out, den, q, k, v, isCausal);
            attentionBackward("linearAttentionBackward", ATT_LINEAR, 1.0, dq, dk, dv, dout, q, k, v, out, den, isCausal);
        } finally {
            ((CudaStorage) out.storage()).close();
            ((CudaStorage) den.storage()).close();
        }
    }

    private static Tensor scratchTensor(CudaDevice d, DType dtype, int... shape) {
        return Tensor.fromStorage(d.allocate(dtype, Math.max(1, numel(shape))), shape, contiguousStrides(shape), 0);
    }

    private static void attentionForward(String op, int mode, double scaleOrEps, Tensor out, Tensor rowstat, Tensor q,
                                         Tensor k, Tensor v, boolean causal) {
        AttentionShape s = new AttentionShape(op, q, k, v, null, causal);
        if (out.numel() == 0 && rowstat.numel() == 0) {
            return;
        }
        int es = q.dtype().byteSize();
        dev(out).launch(Kernels.ATTENTION_FORWARD, sfx(q), s.b * s.h, (int) ceilDiv(s.tq, AttentionShape.ROWS), 1, 256,
                s.forwardSmem(es), new Args().attnShape(s.pack()).i(mode).d(scaleOrEps).ptr(ptr(out)).ptr(ptr(rowstat))
                        .ptr(ptr(q)).ptr(ptr(k)).ptr(ptr(v)));
    }

    private static void attentionBackward(String op, int mode, double scale, Tensor dq, Tensor dk, Tensor dv,
                                          Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out, Tensor rowstat,
                                          boolean causal) {
        AttentionShape s = new AttentionShape(op, q, k, v, dout, causal);
        CudaDevice d = dev(dq);
        int es = q.dtype().byteSize();
        String sf = sfx(q);
        long rows = (long) s.b * s.h * s.tq;
        CachingAllocator.Block di = d.scratch(Math.max(1, rows) * es);
        try {
            d.launch(Kernels.ATTENTION_ROWDOT, sf, (int) ceilDiv(rows, AttentionShape.ROWS), 1, 1, 256, 0,
                    new Args().attnShape(s.pack()).ptr(di.address()).ptr(ptr(dout)).ptr(ptr(out)));
            d.launch(Kernels.ATTENTION_DQ, sf, s.b * s.h, (int) ceilDiv(s.tq, AttentionShape.ROWS), 1, 256,
                    s.dqSmem(es), new Args().attnShape(s.pack()).i(mode).d(scale).ptr(ptr(dq)).ptr(ptr(q)).ptr(ptr(k))
                            .ptr(ptr(v)).ptr(ptr(dout)).ptr(ptr(rowstat)).ptr(di.address()));
            d.launch(Kernels.ATTENTION_DKDV, sf, s.b * s.hkv, (int) ceilDiv(s.tk, AttentionShape.ROWS), 1, 256,
                    s.dkdvSmem(es), new Args().attnShape(s.pack()).i(mode).d(scale).ptr(ptr(dk)).ptr(ptr(dv))
                            .ptr(ptr(q)).ptr(ptr(k)).ptr(ptr(v)).ptr(ptr(dout)).ptr(ptr(rowstat)).ptr(di.address()));
        } finally {
            d.release(di);
        }
    }

    // ---------------------------------------------------------------- KAN B-spline basis

    @Override
    public void bsplineBasis(Tensor out, Tensor derivative, Tensor x, Tensor grid, int order) {
        int in = grid.size(0);
        int knots = grid.size(1);
        int rows = in == 0 ? 0 : x.numel() / in;
        if (knots > Kernels.KAN_MAX_KNOTS) {
            throw new IllegalArgumentException("bsplineBasis: the CUDA kernel takes up to " + Kernels.KAN_MAX_KNOTS
                    + " knots per input, got a grid " + java.util.Arrays.toString(grid.shape()));
        }
        dev(out).launch1d(Kernels.BSPLINE_BASIS, sfx(x), (long) rows * in, new Args().i(rows).i(in).i(knots).i(order)
                .ptr(ptr(out)).ptr(ptrOrNull(derivative)).ptr(ptr(x)).ptr(ptr(grid)));
    }

    @Override
    public void bsplineBasisBackward(Tensor dx, Tensor dy, Tensor derivative) {
        int m = dx.numel();
        int n = dy.size(dy.dim() - 1);
        dev(dx).launch1d(Kernels.BSPLINE_BASIS_BACKWARD, sfx(dy), m, new Args().i(m).i(n).ptr(ptr(dx)).ptr(ptr(dy))
                .ptr(ptr(derivative)));
    }

    // ---------------------------------------------------------------- reductions

    @Override
    public void reduce(ReduceOp op, Tensor out, Tensor x, int[] dims) {
        CudaDevice d = dev(out);
        if (out.numel() == 0) {
            return;
        }
        ReduceLayout r = ReduceLayout.of(x.shape(), x.strides(), dims);
        if (r.inner == 0) {  // only SUM gets here (max/min of nothing is refused): zeros
            fill(out, 0);
            return;
        }
        if (!r.fits()) {
            reduceStepwise(op, out, x, dims);
            return;
        }
        int code = OpCodes.reduce(op);
        boolean rows = r.innerReducedStride() == 1 && r.inner >= 32;
        int sm = d.multiprocessors();
        int splits = 1;
        if (rows && r.outer < 2 * sm) {
            splits = (int) Math.min(ceilDiv(r.inner, 4096), ceilDiv(4L * sm, r.outer));
        } else if (!rows && r.outer < 64L * sm * 32) {
            splits = (int) Math.min(ceilDiv(r.inner, 64), ceilDiv(2L * sm * 1024, r.outer));
        }
        splits = Math.max(1, Math.min(splits, 65535));
        CachingAllocator.Block partial = splits > 1 ? d.scratch((long) r.outer * splits * 8) : null;
        try {
            long partialPtr = partial == null ? 0 : partial.address();
            Args args = new Args().reduceLayout(r.pack()).i(code).ptr(ptr(out)).ptr(partialPtr).ptr(ptr(x)).i(splits);
            if (rows) {
                d.launch(Kernels.REDUCE_ROWS, sfx(x), r.outer, splits, 1, rowBlock(r.inner / splits + 1), 0, args);
            } else {
                d.launch(Kernels.REDUCE_COLS, sfx(x), CudaDevice.blocks(r.outer, 256), splits, 1, 256, 0, args);
            }
            if (partial != null) {
                d.launch(Kernels.REDUCE_FINISH, sfx(out), r.outer, 1, 1, rowBlock(splits), 0,
                        new Args().i(r.outer).i(splits).i(code).ptr(ptr(out)).ptr(partialPtr));
            }
        } finally {
            if (partial != null) {
                d.release(partial);
            }
        }
    }

    /**
     * Reductions whose kept or reduced dims do not coalesce into 8 groups: make x contiguous,
     * then reduce one dim at a time (each step keeps the dim with size 1).
     */
    private void reduceStepwise(ReduceOp op, Tensor out, Tensor x, int[] dims) {
        CudaDevice d = dev(out);
        Tensor cur = x.isContiguous() ? x : contiguousCopy(x);
        for (int i = 0; i < dims.length; i++) {
            int[] shape = cur.shape();
            shape[dims[i]] = 1;
            boolean last = i == dims.length - 1;
            DType dtype = op == ReduceOp.SUM && cur.dtype() == DType.BOOL ? DType.I32 : cur.dtype();
            Tensor next = last ? out
                    : Tensor.fromStorage(d.allocate(dtype, Math.max(1, numel(shape))), shape, contiguousStrides(shape), 0);
            reduce(op, next, cur, new int[] {dims[i]});
            if (cur != x) {
                ((CudaStorage) cur.storage()).close();  // an intermediate, already consumed in stream order
            }
            cur = next;
        }
    }

    private static int numel(int[] shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        return n;
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    @Override
    public void argReduce(ReduceOp op, Tensor out, Tensor x, int dim) {
        CudaDevice d = dev(out);
        if (out.numel() == 0) {
            return;
        }
        ReduceLayout r = ReduceLayout.ofDim(x.shape(), x.strides(), dim);
        Tensor src = x;
        if (!r.fits()) {
            src = contiguousCopy(x);
            r = ReduceLayout.ofDim(src.shape(), src.strides(), dim);
        }
        Args args = new Args().reduceLayout(r.pack()).i(OpCodes.reduce(op)).ptr(ptr(out)).ptr(ptr(src));
        if (r.inner >= 256 && r.innerReducedStride() == 1) {
            d.launch(Kernels.ARGREDUCE_ROWS, sfx(src), r.outer, 1, 1, rowBlock(r.inner), 0, args);
        } else {
            d.launch(Kernels.ARGREDUCE_COLS, sfx(src), CudaDevice.blocks(r.outer, 256), 1, 1, 256, 0, args);
        }
    }

    // ---------------------------------------------------------------- matmul

    @Override
    public void matmul(Tensor out, Tensor a, Tensor b) {
        CudaDevice d = dev(out);
        int rank = out.dim();
        int m = out.size(rank - 2);
        int n = out.size(rank - 1);
        int k = a.size(rank - 1);
        if (out.numel() == 0) {
            return;
        }
        if (k == 0) {
            fill(out, 0);
            return;
        }
        Blas blas = handwrittenGemm ? null : d.blas();
        boolean handwritten = blas == null;
        Tensor ac = needsCopy(a, handwritten) ? contiguousCopy(a) : a;
        Tensor bc = needsCopy(b, handwritten) ? contiguousCopy(b) : b;
        int es = out.dtype().byteSize();
        List<GemmPlan.Call> calls = GemmPlan.plan(out.shape(), 0, ac.strides(), 0, bc.strides(), 0, k);
        long outBase = ptr(out);
        long aBase = ptr(ac);
        long bBase = ptr(bc);
        for (GemmPlan.Call c : calls) {
            // the call's A operand is our b and its B operand our a (see GemmPlan)
            long pa = bBase + c.aOffset() * es;
            long pb = aBase + c.bOffset() * es;
            long pc = outBase + c.cOffset() * es;
            if (!handwritten) {
                if (out.dtype() == DType.F32) {
                    blas.sgemm(c.transA(), c.transB(), c.m(), c.n(), c.k(), pa, c.lda(), c.strideA(), pb, c.ldb(),
                            c.strideB(), pc, c.ldc(), c.strideC(), c.batch(), allowTf32);
                } else {
                    blas.dgemm(c.transA(), c.transB(), c.m(), c.n(), c.k(), pa, c.lda(), c.strideA(), pb, c.ldb(),
                            c.strideB(), pc, c.ldc(), c.strideC(), c.batch());
                }
            } else {
                handwrittenGemm(d, out.dtype(), c.n(), c.m(), c.k(), pb, c.ldb(), c.strideB(), pa, c.lda(),
                        c.strideA(), pc, c.ldc(), c.strideC(), c.batch());
            }
        }
        if (ac != a) {
            ((CudaStorage) ac.storage()).close();
        }
        if (bc != b) {
            ((CudaStorage) bc.storage()).close();
        }
    }

    /** cuBLAS reads row- or column-major operands; the hand-written kernels only row-major ones. */
    private static boolean needsCopy(Tensor t, boolean handwritten) {
        int[] shape = t.shape();
        int[] strides = t.strides();
        int r = shape.length;
        if (!GemmPlan.readable(shape, strides)) {
            return true;
        }
        return handwritten && !GemmPlan.view(shape[r - 2], shape[r - 1], strides[r - 2], strides[r - 1]).rowMajor();
    }

    /**
     * Row-major C[M, N] = A[M, K]·B[K, N] per batch with the kernels of gemm.cu: the 128×128
     * register-blocked SGEMM for F32 (its float4 variant when shapes and addresses allow), the
     * 16×16 tiled kernel for F64.
     */
    static void handwrittenGemm(CudaDevice d, DType dtype, int m, int n, int k, long a, int lda, long strideA, long b,
                                int ldb, long strideB, long c, int ldc, long strideC, int batch) {
        for (int z0 = 0; z0 < batch; z0 += 65535) {  // gridDim.z is at most 65535
            int zn = Math.min(65535, batch - z0);
            long pa = a + z0 * strideA * dtype.byteSize();
            long pb = b + z0 * strideB * dtype.byteSize();
            long pc = c + z0 * strideC * dtype.byteSize();
            Args args = new Args().i(m).i(n).i(k).ptr(pa).i(lda).l(strideA).ptr(pb).i(ldb).l(strideB).ptr(pc).i(ldc)
                    .l(strideC);
            if (dtype == DType.F32) {
                boolean vec4 = k % 4 == 0 && n % 4 == 0 && lda % 4 == 0 && ldb % 4 == 0 && ldc % 4 == 0
                        && (zn == 1 || strideA % 4 == 0 && strideB % 4 == 0 && strideC % 4 == 0)
                        && aligned16(pa, pb, pc);
                d.launch(vec4 ? Kernels.SGEMM_128_VEC4 : Kernels.SGEMM_128, "", (int) ceilDiv(n, 128),
                        (int) ceilDiv(m, 128), zn, 256, 0, args);
            } else {
                d.launch2d(Kernels.GEMM_TILED, "f64", (int) ceilDiv(n, 16), (int) ceilDiv(m, 16), zn, 16, 16, args);
            }
        }
    }

    // ---------------------------------------------------------------- softmax and cross-entropy

    @Override
    public void softmax(Tensor out, Tensor x, int dim) {
        softmaxForward(out, x, dim, false);
    }

    @Override
    public void logSoftmax(Tensor out, Tensor x, int dim) {
        softmaxForward(out, x, dim, true);
    }

    private void softmaxForward(Tensor out, Tensor x, int dim, boolean log) {
        if (out.numel() == 0) {
            return;
        }
        int[] shape = x.shape();
        int outer = outer(shape, dim);
        int n = shape[dim];
        int inner = inner(shape, dim);
        CudaDevice d = dev(out);
        int logMode = log ? 1 : 0;
        if (inner == 1) {
            d.launch(Kernels.SOFTMAX_ROWS, sfx(x), outer, 1, 1, rowBlock(n), 0,
                    new Args().i(n).i(logMode).ptr(ptr(out)).ptr(ptr(x)));
        } else {
            d.launch1d(Kernels.SOFTMAX_COLS, sfx(x), (long) outer * inner,
                    new Args().i(outer).i(n).i(inner).i(logMode).ptr(ptr(out)).ptr(ptr(x)));
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

    private void softmaxBackward(Tensor dx, Tensor y, Tensor dy, int dim, boolean log) {
        if (dx.numel() == 0) {
            return;
        }
        int[] shape = y.shape();
        int outer = outer(shape, dim);
        int n = shape[dim];
        int inner = inner(shape, dim);
        CudaDevice d = dev(dx);
        int logMode = log ? 1 : 0;
        if (inner == 1) {
            d.launch(Kernels.SOFTMAX_BACKWARD_ROWS, sfx(y), outer, 1, 1, rowBlock(n), 0,
                    new Args().i(n).i(logMode).ptr(ptr(dx)).ptr(ptr(y)).ptr(ptr(dy)));
        } else {
            d.launch1d(Kernels.SOFTMAX_BACKWARD_COLS, sfx(y), (long) outer * inner,
                    new Args().i(outer).i(n).i(inner).i(logMode).ptr(ptr(dx)).ptr(ptr(y)).ptr(ptr(dy)));
        }
    }

    private static int outer(int[] shape, int dim) {
        int n = 1;
        for (int i = 0; i < dim; i++) {
            n *= shape[i];
        }
        return n;
    }

    private static int inner(int[] shape, int dim) {
        int n = 1;
        for (int i = dim + 1; i < shape.length; i++) {
            n *= shape[i];
        }
        return n;
    }

    @Override
    public void crossEntropy(Tensor loss, Tensor logits, Tensor labels, int ignoreIndex) {
        int rows = logits.size(0);
        int c = logits.size(1);
        if (rows == 0) {
            return;
        }
        dev(loss).launch(Kernels.CROSS_ENTROPY, sfx(logits), rows, 1, 1, rowBlock(c), 0,
                new Args().i(c).i(ignoreIndex).ptr(ptr(loss)).ptr(ptr(logits)).ptr(ptr(labels)));
    }

    @Override
    public void crossEntropyBackward(Tensor dlogits, Tensor logits, Tensor labels, Tensor dloss, int ignoreIndex) {
        int rows = logits.size(0);
        int c = logits.size(1);
        if (rows == 0 || c == 0) {
            return;
        }
        dev(dlogits).launch(Kernels.CROSS_ENTROPY_BACKWARD, sfx(logits), rows, 1, 1, rowBlock(c), 0,
                new Args().i(c).i(ignoreIndex).ptr(ptr(dlogits)).ptr(ptr(logits)).ptr(ptr(labels)).ptr(ptr(dloss)));
    }

    // ---------------------------------------------------------------- indexing

    @Override
    public void indexSelect(Tensor out, Tensor x, int dim, Tensor index) {
        // gather over out's shape: x's stride at dim is applied through the index value
        int rank = out.dim();
        int[] indexStrides = new int[rank];
        indexStrides[dim] = index.strides()[0];
        gatherKernel(out, x, index, out.shape(), zeroAt(x.strides(), dim), indexStrides, x.strides()[dim]);
    }

    @Override
    public void gather(Tensor out, Tensor x, int dim, Tensor index) {
        int xDimStride = x.dim() == 0 ? 0 : x.strides()[dim];
        gatherKernel(out, x, index, index.shape(), zeroAt(x.strides(), dim), index.strides(), xDimStride);
    }

    private static void gatherKernel(Tensor out, Tensor x, Tensor index, int[] shape, int[] xStrides,
                                     int[] indexStrides, int xDimStride) {
        Layout layout = Layout.of(shape, out.strides(), xStrides, indexStrides);
        forEachChunk(dev(out), Kernels.GATHER, sfx(x), layout, new Tensor[] {out, x, index},
                (l, a) -> new Args().layout(l).i(xDimStride).ptr(a[0]).ptr(a[1]).ptr(a[2]));
    }

    @Override
    public void indexAdd(Tensor out, int dim, Tensor index, Tensor src) {
        int[] indexStrides = new int[src.dim()];
        indexStrides[dim] = index.strides()[0];
        scatterKernel(out, src, index, src.shape(), zeroAt(out.strides(), dim), src.strides(), indexStrides,
                out.strides()[dim]);
    }

    @Override
    public void scatterAdd(Tensor out, int dim, Tensor index, Tensor src) {
        int outDimStride = out.dim() == 0 ? 0 : out.strides()[dim];
        int[] srcStrides = Arrays.copyOf(src.strides(), index.dim());
        scatterKernel(out, src, index, index.shape(), zeroAt(out.strides(), dim), srcStrides, index.strides(),
                outDimStride);
    }

    private static void scatterKernel(Tensor out, Tensor src, Tensor index, int[] shape, int[] outStrides,
                                      int[] srcStrides, int[] indexStrides, int outDimStride) {
        Layout layout = Layout.of(shape, outStrides, srcStrides, indexStrides);
        forEachChunk(dev(out), Kernels.SCATTER_ADD, sfx(out), layout, new Tensor[] {out, src, index},
                (l, a) -> new Args().layout(l).i(outDimStride).ptr(a[0]).ptr(a[1]).ptr(a[2]));
    }

    // ---------------------------------------------------------------- normalisation

    @Override
    public void layerNorm(Tensor out, Tensor mean, Tensor rstd, Tensor x, Tensor weight, Tensor bias, double eps) {
        int rows = mean.numel();
        if (rows == 0) {
            return;
        }
        int d = x.numel() / rows;
        dev(out).launch(Kernels.LAYER_NORM, sfx(x), rows, 1, 1, rowBlock(d), 0, new Args().i(d).d(eps).ptr(ptr(out))
                .ptr(ptr(mean)).ptr(ptr(rstd)).ptr(ptr(x)).ptr(ptrOrNull(weight)).ptr(ptrOrNull(bias)));
    }

    @Override
    public void layerNormBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor dy, Tensor x, Tensor mean,
                                  Tensor rstd, Tensor weight) {
        normBackward(dx, dweight, dbias, dy, x, mean, rstd, weight);
    }

    @Override
    public void rmsNorm(Tensor out, Tensor rstd, Tensor x, Tensor weight, double eps) {
        int rows = rstd.numel();
        if (rows == 0) {
            return;
        }
        int d = x.numel() / rows;
        dev(out).launch(Kernels.RMS_NORM, sfx(x), rows, 1, 1, rowBlock(d), 0, new Args().i(d).d(eps).ptr(ptr(out))
                .ptr(ptr(rstd)).ptr(ptr(x)).ptr(ptrOrNull(weight)));
    }

    @Override
    public void rmsNormBackward(Tensor dx, Tensor dweight, Tensor dy, Tensor x, Tensor rstd, Tensor weight) {
        normBackward(dx, dweight, null, dy, x, null, rstd, weight);
    }

    /** Both norms: dx a block per row, then dweight/dbias as column sums over chunks of rows. */
    private void normBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor dy, Tensor x, Tensor mean, Tensor rstd,
                              Tensor weight) {
        int rows = rstd.numel();
        int d = rows == 0 ? (dweight != null ? dweight.numel() : dbias != null ? dbias.numel() : 0) : x.numel() / rows;
        CudaDevice dev = dev(dx);
        String s = sfx(dy);
        if (rows > 0 && d > 0) {
            dev.launch(Kernels.NORM_BACKWARD, s, rows, 1, 1, rowBlock(d), 0, new Args().i(d).ptr(ptr(dx)).ptr(ptr(dy))
                    .ptr(ptr(x)).ptr(ptrOrNull(mean)).ptr(ptr(rstd)).ptr(ptrOrNull(weight)));
        }
        if (dweight == null && dbias == null || d == 0) {
            return;
        }
        if (rows == 0) {  // sums over no rows
            if (dweight != null) {
                fill(dweight, 0);
            }
            if (dbias != null) {
                fill(dbias, 0);
            }
            return;
        }
        // enough (column, chunk) threads to fill the GPU, each summing a run of rows
        long wanted = 4L * dev.multiprocessors() * 256;
        int chunks = (int) Math.max(1, Math.min(rows, wanted / d));
        int rowsPerChunk = (int) ceilDiv(rows, chunks);
        chunks = (int) ceilDiv(rows, rowsPerChunk);
        int es = dy.dtype().byteSize();
        CachingAllocator.Block dwPart = dev.scratch((long) chunks * d * es);
        CachingAllocator.Block dbPart = dbias == null ? null : dev.scratch((long) chunks * d * es);
        try {
            dev.launch(Kernels.NORM_PARAMS_PARTIAL, s, CudaDevice.blocks(d, 256), chunks, 1, 256, 0, new Args().i(rows)
                    .i(d).i(rowsPerChunk).ptr(dwPart.address()).ptr(dbPart == null ? 0 : dbPart.address())
                    .ptr(ptr(dy)).ptr(ptr(x)).ptr(ptrOrNull(mean)).ptr(ptr(rstd)));
            if (dweight != null) {
                dev.launch1d(Kernels.COLUMN_SUM, s, d, new Args().i(chunks).i(d).ptr(ptr(dweight)).ptr(dwPart.address()));
            }
            if (dbias != null) {
                dev.launch1d(Kernels.COLUMN_SUM, s, d, new Args().i(chunks).i(d).ptr(ptr(dbias)).ptr(dbPart.address()));
            }
        } finally {
            dev.release(dwPart);
            if (dbPart != null) {
                dev.release(dbPart);
            }
        }
    }

    // ---------------------------------------------------------------- optimizer steps

    @Override
    public void adamStep(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor maxExpAvgSq,
                         AdamConfig c) {
        int n = param.numel();
        if (n == 0) {
            return;
        }
        dev(param).launch1d(Kernels.ADAM, sfx(param), n, new Args().i(n).i(OpCodes.adam(c.mode())).d(c.lr())
                .d(c.beta1()).d(c.beta2()).d(c.eps()).d(c.weightDecay()).d(c.biasCorrection1())
                .d(c.biasCorrection2()).ptr(ptr(param)).ptr(ptr(grad)).ptr(ptr(expAvg)).ptr(ptr(expAvgSq))
                .ptr(ptrOrNull(maxExpAvgSq)));
    }
}
