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
import dev.kiln.tensor.Storage;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;

/**
 * Vector API kernels for host tensors, preferred over {@link ReferenceBackend} whenever this
 * module is on the class path. Ops without a fast kernel yet delegate to the reference loops.
 */
public final class CpuBackend implements Backend {
    private static final ReferenceBackend REF = ReferenceBackend.INSTANCE;

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

    @Override
    public Storage allocate(DType dtype, int numel, Device device) {
        return CpuStorage.allocate(dtype, numel);
    }

    @Override
    public void copy(Tensor out, Tensor src) {
        REF.copy(out, src);
    }

    @Override
    public void fill(Tensor out, double value) {
        REF.fill(out, value);
    }

    @Override
    public void unary(UnaryOp op, Tensor out, Tensor x) {
        REF.unary(op, out, x);
    }

    @Override
    public void binary(BinaryOp op, Tensor out, Tensor a, Tensor b) {
        REF.binary(op, out, a, b);
    }

    @Override
    public void clamp(Tensor out, Tensor x, double min, double max) {
        REF.clamp(out, x, min, max);
    }

    @Override
    public void where(Tensor out, Tensor cond, Tensor a, Tensor b) {
        REF.where(out, cond, a, b);
    }

    @Override
    public void reduce(ReduceOp op, Tensor out, Tensor x, int[] dims) {
        REF.reduce(op, out, x, dims);
    }

    @Override
    public void argReduce(ReduceOp op, Tensor out, Tensor x, int dim) {
        REF.argReduce(op, out, x, dim);
    }

    @Override
    public void matmul(Tensor out, Tensor a, Tensor b) {
        REF.matmul(out, a, b);
    }

    @Override
    public void softmax(Tensor out, Tensor x, int dim) {
        REF.softmax(out, x, dim);
    }

    @Override
    public void logSoftmax(Tensor out, Tensor x, int dim) {
        REF.logSoftmax(out, x, dim);
    }

    @Override
    public void softmaxBackward(Tensor dx, Tensor y, Tensor dy, int dim) {
        REF.softmaxBackward(dx, y, dy, dim);
    }

    @Override
    public void logSoftmaxBackward(Tensor dx, Tensor y, Tensor dy, int dim) {
        REF.logSoftmaxBackward(dx, y, dy, dim);
    }

    @Override
    public void crossEntropy(Tensor loss, Tensor logits, Tensor labels, int ignoreIndex) {
        REF.crossEntropy(loss, logits, labels, ignoreIndex);
    }

    @Override
    public void crossEntropyBackward(Tensor dlogits, Tensor logits, Tensor labels, Tensor dloss, int ignoreIndex) {
        REF.crossEntropyBackward(dlogits, logits, labels, dloss, ignoreIndex);
    }

    @Override
    public void indexSelect(Tensor out, Tensor x, int dim, Tensor index) {
        REF.indexSelect(out, x, dim, index);
    }

    @Override
    public void indexAdd(Tensor out, int dim, Tensor index, Tensor src) {
        REF.indexAdd(out, dim, index, src);
    }

    @Override
    public void gather(Tensor out, Tensor x, int dim, Tensor index) {
        REF.gather(out, x, dim, index);
    }

    @Override
    public void scatterAdd(Tensor out, int dim, Tensor index, Tensor src) {
        REF.scatterAdd(out, dim, index, src);
    }

    @Override
    public void layerNorm(Tensor out, Tensor mean, Tensor rstd, Tensor x, Tensor weight, Tensor bias, double eps) {
        REF.layerNorm(out, mean, rstd, x, weight, bias, eps);
    }

    @Override
    public void layerNormBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor dy, Tensor x, Tensor mean,
                                  Tensor rstd, Tensor weight) {
        REF.layerNormBackward(dx, dweight, dbias, dy, x, mean, rstd, weight);
    }

    @Override
    public void rmsNorm(Tensor out, Tensor rstd, Tensor x, Tensor weight, double eps) {
        REF.rmsNorm(out, rstd, x, weight, eps);
    }

    @Override
    public void rmsNormBackward(Tensor dx, Tensor dweight, Tensor dy, Tensor x, Tensor rstd, Tensor weight) {
        REF.rmsNormBackward(dx, dweight, dy, x, rstd, weight);
    }

    @Override
    public void adamStep(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor maxExpAvgSq,
                         AdamConfig config) {
        REF.adamStep(param, grad, expAvg, expAvgSq, maxExpAvgSq, config);
    }

    // ---- activations: reference loops until Vector API kernels replace them ----

    @Override
    public void unaryBackward(UnaryOp op, Tensor dx, Tensor x, Tensor dy) {
        REF.unaryBackward(op, dx, x, dy);
    }

    @Override
    public void activation(Activation f, Tensor out, Tensor x) {
        REF.activation(f, out, x);
    }

    @Override
    public void activationBackward(Activation f, Tensor dx, Tensor x, Tensor dy) {
        REF.activationBackward(f, dx, x, dy);
    }

    @Override
    public void prelu(Tensor out, Tensor x, Tensor weight) {
        REF.prelu(out, x, weight);
    }

    @Override
    public void preluBackward(Tensor dx, Tensor dweight, Tensor dy, Tensor x, Tensor weight) {
        REF.preluBackward(dx, dweight, dy, x, weight);
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
