package dev.kiln.kernels.cpu;

import dev.kiln.tensor.spi.BinaryOp;
import dev.kiln.tensor.spi.CpuStorage;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;

import static dev.kiln.kernels.cpu.HostArrays.*;

/**
 * CpuBackend's unary, binary, clamp and where: picks the layout case and the grain, then calls
 * {@link ElementwiseKernels}.
 */
final class ElementwiseDispatch {
    private ElementwiseDispatch() {
    }

    static void unary(UnaryOp op, Tensor out, Tensor x) {
        if (!f32(out, x) || !ElementwiseKernels.hasUnary(op)) {
            REF.unary(op, out, x);
            return;
        }
        float[] y = f(out);
        float[] xa = f(x);
        StridedLoop lp = StridedLoop.of(out, x);
        int xs = lp.innerStride[1];
        int grain = switch (op) {
            case NEG, ABS, SIGN, RELU, SQRT, RSQRT, RELU_SQUARED, FLOOR, CEIL, ROUND, TRUNC, FRAC -> GRAIN;
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

    static void binary(BinaryOp op, Tensor out, Tensor a, Tensor b) {
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
        } else if (MathKernels.hasBinary(op) && f32(out)) {
            float[] y = f(out);
            lp.run(op == BinaryOp.COPYSIGN ? GRAIN : GRAIN_HEAVY,
                    (o, len) -> MathKernels.binary(op, y, o[0], aa, o[1], as, ba, o[2], bs, len));
        } else {
            REF.binary(op, out, a, b);
        }
    }

    static void addRelu(Tensor out, Tensor a, Tensor b) {
        if (!f32(out, a, b)) {
            REF.addRelu(out, a, b);
            return;
        }
        StridedLoop lp = StridedLoop.of(out, a, b);
        int as = lp.innerStride[1];
        int bs = lp.innerStride[2];
        float[] y = f(out);
        float[] aa = f(a);
        float[] ba = f(b);
        lp.run(GRAIN, (o, len) -> {
            if (as == 1 && bs == 1) {
                ElementwiseKernels.addRelu(y, o[0], aa, o[1], ba, o[2], len);
            } else {
                ElementwiseKernels.add(y, o[0], aa, o[1], as, ba, o[2], bs, len);
                ElementwiseKernels.unary(UnaryOp.RELU, y, o[0], y, o[0], len);
            }
        });
    }

    static void clamp(Tensor out, Tensor x, double min, double max) {
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

    static void where(Tensor out, Tensor cond, Tensor a, Tensor b) {
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
}
