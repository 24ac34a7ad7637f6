package dev.kiln.kernels.cuda;

import dev.kiln.tensor.Activation;
import dev.kiln.tensor.AdamConfig;
import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.spi.BinaryOp;
import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Device;
import dev.kiln.tensor.PoolWindows;
import dev.kiln.tensor.PoolWindows3d;
import dev.kiln.tensor.spi.ReduceOp;
import dev.kiln.tensor.spi.ScanOp;
import dev.kiln.tensor.Storage;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;

/**
 * The CUDA backend: every op of the {@link Backend} contract as a kernel from
 * {@code src/main/cuda} (or a cuBLAS call for matmul), on device memory, with no copy through
 * the host except in {@link #copyFromHost}/{@link #copyToHost} (an op without a kernel of its own
 * would run on the host through {@link HostFallback}; none does today). Offered by {@code Backends} only
 * where {@link Cuda#isAvailable()}.
 *
 * <p>Options (system properties, or the setters): {@code kiln.cuda.tf32} lets FP32 matmuls use
 * TF32 tensor cores (off by default, as PyTorch's {@code allow_tf32}); {@code kiln.cuda.gemm}
 * picks {@code cublas} (default) or {@code handwritten} (the tiled SGEMM of gemm.cu).
 *
 * <p>This class only forwards: each op family has its dispatch class next to its {@code .cu} file
 * ({@link ElementwiseDispatch} for elementwise.cu, {@link SoftmaxDispatch} for softmax.cu, ...),
 * which checks layouts, picks the kernel and launches it; {@link DeviceTensors} holds what they share.
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

    // ---- memory and movement (MemoryDispatch)

    @Override
    public Storage allocate(DType dtype, int numel, Device device) {
        return MemoryDispatch.allocate(dtype, numel, device);
    }

    @Override
    public void copy(Tensor out, Tensor src) {
        MemoryDispatch.copy(out, src);
    }

    @Override
    public void fill(Tensor out, double value) {
        MemoryDispatch.fill(out, value);
    }

    @Override
    public void copyFromHost(Tensor out, Tensor hostSrc) {
        MemoryDispatch.copyFromHost(out, hostSrc);
    }

    @Override
    public void copyToHost(Tensor hostOut, Tensor src) {
        MemoryDispatch.copyToHost(hostOut, src);
    }

    // ---- elementwise (ElementwiseDispatch, elementwise.cu)

    @Override
    public void unary(UnaryOp op, Tensor out, Tensor x) {
        ElementwiseDispatch.unary(op, out, x);
    }

    @Override
    public void binary(BinaryOp op, Tensor out, Tensor a, Tensor b) {
        ElementwiseDispatch.binary(op, out, a, b);
    }

    @Override
    public void clamp(Tensor out, Tensor x, double min, double max) {
        ElementwiseDispatch.clamp(out, x, min, max);
    }

    @Override
    public void where(Tensor out, Tensor cond, Tensor a, Tensor b) {
        ElementwiseDispatch.where(out, cond, a, b);
    }

    // ---- activations (ActivationDispatch, activation.cu)

    @Override
    public void unaryBackward(UnaryOp op, Tensor dx, Tensor x, Tensor dy) {
        ActivationDispatch.unaryBackward(op, dx, x, dy);
    }

    @Override
    public void activation(Activation f, Tensor out, Tensor x) {
        ActivationDispatch.activation(f, out, x);
    }

    @Override
    public void activationBackward(Activation f, Tensor dx, Tensor x, Tensor dy) {
        ActivationDispatch.activationBackward(f, dx, x, dy);
    }

    @Override
    public void prelu(Tensor out, Tensor x, Tensor weight) {
        ActivationDispatch.prelu(out, x, weight);
    }

    @Override
    public void preluBackward(Tensor dx, Tensor dweight, Tensor dy, Tensor x, Tensor weight) {
        ActivationDispatch.preluBackward(dx, dweight, dy, x, weight);
    }

    @Override
    public void pau(Tensor out, Tensor x, Tensor numerator, Tensor denominator) {
        ActivationDispatch.pau(out, x, numerator, denominator);
    }

    @Override
    public void pauBackward(Tensor dx, Tensor dnumerator, Tensor ddenominator, Tensor dy, Tensor x, Tensor numerator,
                            Tensor denominator) {
        ActivationDispatch.pauBackward(dx, dnumerator, ddenominator, dy, x, numerator, denominator);
    }

    // ---- attention (AttentionDispatch, attention.cu): q [B, H, Tq, D], k [B, Hkv, Tk, D], v [B, Hkv, Tk, Dv],
    // unit stride in the last dim, end-aligned causal masks, lse saved for the backward.

    @Override
    public void scaledDotProductAttention(Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, Tensor mask,
                                          boolean isCausal, double scale) {
        AttentionDispatch.scaledDotProductAttention(out, lse, q, k, v, mask, isCausal, scale);
    }

    @Override
    public void scaledDotProductAttentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dmask, Tensor dout,
                                                  Tensor q, Tensor k, Tensor v, Tensor mask, Tensor out, Tensor lse,
                                                  boolean isCausal, double scale) {
        AttentionDispatch.scaledDotProductAttentionBackward(dq, dk, dv, dmask, dout, q, k, v, mask, out, lse, isCausal,
                scale);
    }

    @Override
    public void linearAttention(Tensor out, Tensor q, Tensor k, Tensor v, boolean isCausal, double eps) {
        AttentionDispatch.linearAttention(out, q, k, v, isCausal, eps);
    }

    @Override
    public void linearAttentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k, Tensor v,
                                        boolean isCausal, double eps) {
        AttentionDispatch.linearAttentionBackward(dq, dk, dv, dout, q, k, v, isCausal, eps);
    }

    // ---- KAN B-spline basis (KanDispatch, kan.cu)

    @Override
    public void bsplineBasis(Tensor out, Tensor derivative, Tensor x, Tensor grid, int order) {
        KanDispatch.bsplineBasis(out, derivative, x, grid, order);
    }

    @Override
    public void bsplineBasisBackward(Tensor dx, Tensor dy, Tensor derivative) {
        KanDispatch.bsplineBasisBackward(dx, dy, derivative);
    }

    // ---- reductions (ReduceDispatch, reduce.cu)

    @Override
    public void reduce(ReduceOp op, Tensor out, Tensor x, int[] dims) {
        ReduceDispatch.reduce(op, out, x, dims);
    }

    @Override
    public void argReduce(ReduceOp op, Tensor out, Tensor x, int dim) {
        ReduceDispatch.argReduce(op, out, x, dim);
    }

    // ---- matmul (GemmDispatch, gemm.cu or cuBLAS)

    @Override
    public void matmul(Tensor out, Tensor a, Tensor b) {
        GemmDispatch.matmul(out, a, b);
    }

    /**
     * No kernel of its own yet: the product by cuBLAS into pre (or out), then the bias add and the
     * activation as the elementwise kernels' two launches, the values the fused CPU kernel gives
     * (one more pass over the output than a GEMM epilogue would take).
     */
    @Override
    public void linear(Tensor out, Tensor pre, Tensor x, Tensor weight, Tensor bias, UnaryOp act) {
        if (out.numel() == 0) {
            return;
        }
        Tensor c = act == null ? out : pre;
        GemmDispatch.matmul(c, x, weight.t());
        if (bias != null) {
            ElementwiseDispatch.binary(BinaryOp.ADD, c, c, bias.expand(c.shape()));
        }
        if (act != null) {
            ElementwiseDispatch.unary(act, out, c);
        }
    }

    // ---- softmax and cross-entropy (SoftmaxDispatch, softmax.cu)

    @Override
    public void softmax(Tensor out, Tensor x, int dim) {
        SoftmaxDispatch.softmax(out, x, dim);
    }

    @Override
    public void logSoftmax(Tensor out, Tensor x, int dim) {
        SoftmaxDispatch.logSoftmax(out, x, dim);
    }

    @Override
    public void softmaxBackward(Tensor dx, Tensor y, Tensor dy, int dim) {
        SoftmaxDispatch.softmaxBackward(dx, y, dy, dim);
    }

    @Override
    public void logSoftmaxBackward(Tensor dx, Tensor y, Tensor dy, int dim) {
        SoftmaxDispatch.logSoftmaxBackward(dx, y, dy, dim);
    }

    @Override
    public void crossEntropy(Tensor loss, Tensor logits, Tensor labels, int ignoreIndex) {
        SoftmaxDispatch.crossEntropy(loss, logits, labels, ignoreIndex);
    }

    @Override
    public void crossEntropyBackward(Tensor dlogits, Tensor logits, Tensor labels, Tensor dloss, int ignoreIndex) {
        SoftmaxDispatch.crossEntropyBackward(dlogits, logits, labels, dloss, ignoreIndex);
    }

    // ---- indexing (IndexDispatch, index.cu)

    @Override
    public void indexSelect(Tensor out, Tensor x, int dim, Tensor index) {
        IndexDispatch.indexSelect(out, x, dim, index);
    }

    @Override
    public void gather(Tensor out, Tensor x, int dim, Tensor index) {
        IndexDispatch.gather(out, x, dim, index);
    }

    @Override
    public void indexAdd(Tensor out, int dim, Tensor index, Tensor src) {
        IndexDispatch.indexAdd(out, dim, index, src);
    }

    @Override
    public void scatterAdd(Tensor out, int dim, Tensor index, Tensor src) {
        IndexDispatch.scatterAdd(out, dim, index, src);
    }

    // ---- normalisation (NormDispatch, norm.cu)

    @Override
    public void layerNorm(Tensor out, Tensor mean, Tensor rstd, Tensor x, Tensor weight, Tensor bias, double eps) {
        NormDispatch.layerNorm(out, mean, rstd, x, weight, bias, eps);
    }

    @Override
    public void layerNormBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor dy, Tensor x, Tensor mean,
                                  Tensor rstd, Tensor weight) {
        NormDispatch.layerNormBackward(dx, dweight, dbias, dy, x, mean, rstd, weight);
    }

    @Override
    public void rmsNorm(Tensor out, Tensor rstd, Tensor x, Tensor weight, double eps) {
        NormDispatch.rmsNorm(out, rstd, x, weight, eps);
    }

    @Override
    public void rmsNormBackward(Tensor dx, Tensor dweight, Tensor dy, Tensor x, Tensor rstd, Tensor weight) {
        NormDispatch.rmsNormBackward(dx, dweight, dy, x, rstd, weight);
    }

    @Override
    public void batchNorm(Tensor out, Tensor mean, Tensor invstd, Tensor x, Tensor weight, Tensor bias, double eps) {
        NormDispatch.batchNorm(out, mean, invstd, x, weight, bias, eps);
    }

    @Override
    public void batchNormBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor dy, Tensor x, Tensor mean,
                                  Tensor invstd, Tensor weight) {
        NormDispatch.batchNormBackward(dx, dweight, dbias, dy, x, mean, invstd, weight);
    }

    @Override
    public void batchNormEval(Tensor out, Tensor x, Tensor scale, Tensor shift) {
        NormDispatch.batchNormEval(out, x, scale, shift);
    }

    // ---- optimizer steps (OptimizerDispatch, optim.cu)

    @Override
    public void adamStep(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor maxExpAvgSq,
                         AdamConfig c) {
        OptimizerDispatch.adamStep(param, grad, expAvg, expAvgSq, maxExpAvgSq, c);
    }

    // ---- convolution (ConvDispatch, conv.cu + GEMM) and pooling (PoolDispatch, pool.cu)

    @Override
    public void conv2d(Tensor out, Tensor x, Tensor weight, Tensor bias, ConvShape shape) {
        ConvDispatch.conv2d(out, x, weight, bias, shape);
    }

    @Override
    public void conv2dBackwardInput(Tensor dx, Tensor dy, Tensor weight, ConvShape shape) {
        ConvDispatch.conv2dBackwardInput(dx, dy, weight, shape);
    }

    @Override
    public void conv2dBackwardWeight(Tensor dweight, Tensor dy, Tensor x, ConvShape shape) {
        ConvDispatch.conv2dBackwardWeight(dweight, dy, x, shape);
    }

    @Override
    public void maxPool2d(Tensor out, Tensor indices, Tensor x, PoolWindows windows) {
        PoolDispatch.maxPool2d(out, indices, x, windows);
    }

    @Override
    public void avgPool2d(Tensor out, Tensor x, PoolWindows windows) {
        PoolDispatch.avgPool2d(out, x, windows);
    }

    @Override
    public void avgPool2dBackward(Tensor dx, Tensor dy, PoolWindows windows) {
        PoolDispatch.avgPool2dBackward(dx, dy, windows);
    }

    @Override
    public void maxPoolBackward(Tensor dx, Tensor dy, Tensor indices) {
        PoolDispatch.maxPoolBackward(dx, dy, indices);
    }

    // ---- products, scans and sorting (ScanDispatch, scan.cu)

    @Override
    public void prod(Tensor out, Tensor x, int dim) {
        ScanDispatch.prod(out, x, dim);
    }

    @Override
    public void scan(ScanOp op, Tensor out, Tensor indices, Tensor x, int dim) {
        ScanDispatch.scan(op, out, indices, x, dim);
    }

    @Override
    public void sort(Tensor values, Tensor indices, Tensor x, boolean descending) {
        ScanDispatch.topk(values, indices, x, x.dim() == 0 ? 1 : x.size(-1), descending);
    }

    @Override
    public void topk(Tensor values, Tensor indices, Tensor x, int k, boolean largest) {
        ScanDispatch.topk(values, indices, x, k, largest);
    }

    @Override
    public void maxPool3d(Tensor out, Tensor indices, Tensor x, PoolWindows3d windows) {
        PoolDispatch.maxPool3d(out, indices, x, windows);
    }

    @Override
    public void avgPool3d(Tensor out, Tensor x, PoolWindows3d windows) {
        PoolDispatch.avgPool3d(out, x, windows);
    }

    @Override
    public void avgPool3dBackward(Tensor dx, Tensor dy, PoolWindows3d windows) {
        PoolDispatch.avgPool3dBackward(dx, dy, windows);
    }
}
