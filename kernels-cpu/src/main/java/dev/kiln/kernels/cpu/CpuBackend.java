package dev.kiln.kernels.cpu;

import dev.kiln.tensor.Activation;
import dev.kiln.tensor.AdamConfig;
import dev.kiln.tensor.SgdConfig;
import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.spi.BinaryOp;
import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.spi.CpuStorage;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Device;
import dev.kiln.tensor.PoolWindows;
import dev.kiln.tensor.PoolWindows3d;
import dev.kiln.tensor.spi.ReduceOp;
import dev.kiln.tensor.spi.ScanOp;
import dev.kiln.tensor.spi.ReferenceBackend;
import dev.kiln.tensor.Storage;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.kiln.kernels.cpu.HostArrays.GRAIN;
import static dev.kiln.kernels.cpu.HostArrays.REF;
import static dev.kiln.kernels.cpu.HostArrays.array;
import static dev.kiln.kernels.cpu.HostArrays.f;
import static dev.kiln.kernels.cpu.HostArrays.f32;

/**
 * Vector API kernels for host tensors, preferred over {@link ReferenceBackend} whenever this
 * module is on the class path.
 *
 * <p>This class only dispatches, one family per class as kernels-cuda has one {@code .cu} file per
 * family: {@link ElementwiseDispatch}, {@link ReduceDispatch}, {@link SoftmaxDispatch},
 * {@link IndexDispatch}, {@link NormDispatch}, {@link OptimizerDispatch}, {@link ActivationDispatch},
 * {@link KanDispatch}, {@link AttentionDispatch} and {@link LinearDispatch}. Each picks the layout case (contiguous,
 * broadcast, strided), splits large work over the pool with {@link Parallel} and calls the static
 * kernels of its {@code *Kernels} class.
 * F32 is the compute type and has kernels for every op but matmul (owned by the GEMM package) and
 * PAU; F64, I32 and BOOL, and enum values added after these kernels were written, run the
 * reference loops, so a new op works at once and gets fast when its kernel lands.
 */
public final class CpuBackend implements Backend {
    private static final AtomicBoolean ANNOUNCED = new AtomicBoolean();

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

    // ---- memory and movement

    @Override
    public Storage allocate(DType dtype, int numel, Device device) {
        return CpuStorage.allocate(dtype, numel);
    }

    @Override
    public Storage allocateUninitialized(DType dtype, int numel, Device device) {
        return CpuStorage.allocateUninitialized(dtype, numel);
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

    // ---- linear algebra

    @Override
    public void matmul(Tensor out, Tensor a, Tensor b) {
        dev.kiln.kernels.cpu.gemm.Matmul.matmul(out, a, b);
    }

    @Override
    public void linear(Tensor out, Tensor pre, Tensor x, Tensor weight, Tensor bias, UnaryOp act) {
        LinearDispatch.linear(out, pre, x, weight, bias, act);
    }

    // ---- elementwise (ElementwiseDispatch)

    @Override
    public void unary(UnaryOp op, Tensor out, Tensor x) {
        ElementwiseDispatch.unary(op, out, x);
    }

    @Override
    public void binary(BinaryOp op, Tensor out, Tensor a, Tensor b) {
        ElementwiseDispatch.binary(op, out, a, b);
    }

    @Override
    public void addRelu(Tensor out, Tensor a, Tensor b) {
        ElementwiseDispatch.addRelu(out, a, b);
    }

    @Override
    public void clamp(Tensor out, Tensor x, double min, double max) {
        ElementwiseDispatch.clamp(out, x, min, max);
    }

    @Override
    public void where(Tensor out, Tensor cond, Tensor a, Tensor b) {
        ElementwiseDispatch.where(out, cond, a, b);
    }

    // ---- reductions (ReduceDispatch)

    @Override
    public void reduce(ReduceOp op, Tensor out, Tensor x, int[] dims) {
        ReduceDispatch.reduce(op, out, x, dims);
    }

    @Override
    public void argReduce(ReduceOp op, Tensor out, Tensor x, int dim) {
        ReduceDispatch.argReduce(op, out, x, dim);
    }

    // ---- products, scans and sorting (ScanDispatch)

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
        ScanDispatch.sort(values, indices, x, descending);
    }

    @Override
    public void topk(Tensor values, Tensor indices, Tensor x, int k, boolean largest) {
        ScanDispatch.topk(values, indices, x, k, largest);
    }

    // ---- softmax and cross-entropy (SoftmaxDispatch)

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

    // ---- indexing (IndexDispatch)

    @Override
    public void indexSelect(Tensor out, Tensor x, int dim, Tensor index) {
        IndexDispatch.indexSelect(out, x, dim, index);
    }

    @Override
    public void indexAdd(Tensor out, int dim, Tensor index, Tensor src) {
        IndexDispatch.indexAdd(out, dim, index, src);
    }

    @Override
    public void gather(Tensor out, Tensor x, int dim, Tensor index) {
        IndexDispatch.gather(out, x, dim, index);
    }

    @Override
    public void scatterAdd(Tensor out, int dim, Tensor index, Tensor src) {
        IndexDispatch.scatterAdd(out, dim, index, src);
    }

    // ---- normalisation (NormDispatch)

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

    // ---- batch normalisation (BatchNormDispatch)

    @Override
    public void batchNorm(Tensor out, Tensor mean, Tensor invstd, Tensor x, Tensor weight, Tensor bias, double eps) {
        BatchNormDispatch.batchNorm(out, mean, invstd, x, weight, bias, eps);
    }

    @Override
    public void batchNormBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor dy, Tensor x, Tensor mean,
                                  Tensor invstd, Tensor weight) {
        BatchNormDispatch.batchNormBackward(dx, dweight, dbias, dy, x, mean, invstd, weight);
    }

    @Override
    public void batchNormRelu(Tensor out, Tensor mean, Tensor invstd, Tensor x, Tensor weight, Tensor bias,
                              double eps) {
        BatchNormDispatch.batchNormRelu(out, mean, invstd, x, weight, bias, eps);
    }

    @Override
    public void batchNormReluBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor dy, Tensor x, Tensor out,
                                      Tensor mean, Tensor invstd, Tensor weight, Tensor bias) {
        BatchNormDispatch.batchNormReluBackward(dx, dweight, dbias, dy, x, out, mean, invstd, weight, bias);
    }

    @Override
    public void batchNormEval(Tensor out, Tensor x, Tensor scale, Tensor shift) {
        BatchNormDispatch.batchNormEval(out, x, scale, shift);
    }

    // ---- optimizer steps (OptimizerDispatch)

    @Override
    public void adamStep(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor maxExpAvgSq,
                         AdamConfig config) {
        OptimizerDispatch.adamStep(param, grad, expAvg, expAvgSq, maxExpAvgSq, config);
    }

    @Override
    public void sgdStep(Tensor param, Tensor grad, Tensor momentumBuffer, SgdConfig config) {
        OptimizerDispatch.sgdStep(param, grad, momentumBuffer, config);
    }

    // ---- activations (ActivationDispatch)

    @Override
    public void unaryBackward(UnaryOp op, Tensor dx, Tensor x, Tensor dy) {
        ActivationDispatch.unaryBackward(op, dx, x, dy);
    }

    @Override
    public void activation(Activation fn, Tensor out, Tensor x) {
        ActivationDispatch.activation(fn, out, x);
    }

    @Override
    public void activationBackward(Activation fn, Tensor dx, Tensor x, Tensor dy) {
        ActivationDispatch.activationBackward(fn, dx, x, dy);
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

    // ---- KAN B-spline basis (KanDispatch)

    @Override
    public void bsplineBasis(Tensor out, Tensor derivative, Tensor x, Tensor grid, int order) {
        KanDispatch.bsplineBasis(out, derivative, x, grid, order);
    }

    @Override
    public void bsplineBasisBackward(Tensor dx, Tensor dy, Tensor derivative) {
        KanDispatch.bsplineBasisBackward(dx, dy, derivative);
    }

    // ---- attention (AttentionDispatch)

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

    // ---- convolution (ConvDispatch) and pooling (PoolDispatch)

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
