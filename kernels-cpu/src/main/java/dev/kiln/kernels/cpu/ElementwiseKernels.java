package dev.kiln.kernels.cpu;

import dev.kiln.tensor.spi.BinaryOp;
import dev.kiln.tensor.UnaryOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Elementwise F32 kernels over flat arrays: unary ops, binary ops with the broadcasting fast paths
 * (both operands running, or one of them a repeated scalar), clamp, where, comparisons, copy and
 * fill, and a fused residual add. The activations (GELU, SiLU, ...) are in {@link ActivationKernels}, the
 * functions of issue 15 (tan, atan2, the roundings, ...) in {@link MathKernels}.
 *
 * <p>Each kernel writes {@code n} outputs from {@code yo} on and reads its inputs from their
 * offsets; a stride, where a kernel takes one, steps an input between elements (0 repeats one
 * element). Each vector loop is followed by a scalar loop for the tail, which alone runs when
 * {@link Simd#ENABLED} is false. Transcendentals use {@link SimdMath} (within 2 ulp), whose scalar
 * twins give the tails the vector loop's bits.
 */
public final class ElementwiseKernels {
    private static final VectorSpecies<Float> S = Simd.F32;
    private static final int L = S.length();

    private ElementwiseKernels() {
    }

    /** The vector loop's end for n elements (0 when vectors are off). */
    private static int bound(int n) {
        return Simd.ENABLED ? S.loopBound(n) : 0;
    }

    // ------------------------------------------------------------------ unary

    /** Whether {@link #unary} has a kernel for op (new ops fall back to the reference loop). */
    public static boolean hasUnary(UnaryOp op) {
        return switch (op) {
            case NEG, EXP, LOG, SQRT, RSQRT, ABS, SIGN, TANH, SIGMOID, RELU, SIN, COS -> true;
            default -> ActivationKernels.hasForward(op) || MathKernels.hasForward(op);
        };
    }

    /** y = op(x) on contiguous runs; op must satisfy {@link #hasUnary}. */
    public static void unary(UnaryOp op, float[] y, int yo, float[] x, int xo, int n) {
        switch (op) {
            case NEG -> neg(y, yo, x, xo, n);
            case EXP -> exp(y, yo, x, xo, n);
            case LOG -> log(y, yo, x, xo, n);
            case SQRT -> sqrt(y, yo, x, xo, n);
            case RSQRT -> rsqrt(y, yo, x, xo, n);
            case ABS -> abs(y, yo, x, xo, n);
            case SIGN -> sign(y, yo, x, xo, n);
            case TANH -> tanh(y, yo, x, xo, n);
            case SIGMOID -> sigmoid(y, yo, x, xo, n);
            case RELU -> relu(y, yo, x, xo, n);
            case SIN -> sin(y, yo, x, xo, n);
            case COS -> cos(y, yo, x, xo, n);
            default -> {
                if (MathKernels.hasForward(op)) {
                    MathKernels.forward(op, y, yo, x, xo, n);
                } else {
                    ActivationKernels.forward(op, y, yo, x, xo, n);
                }
            }
        }
    }

    /** y = op(x) where x steps by xs (any stride, scalar loop). */
    public static void unaryStrided(UnaryOp op, float[] y, int yo, float[] x, int xo, int xs, int n) {
        for (int i = 0; i < n; i++) {
            y[yo + i] = scalar(op, x[xo + i * xs]);
        }
    }

    /** op(v) as the kernels compute it: the vector loops' scalar twin (exact ops as the reference). */
    static float scalar(UnaryOp op, float v) {
        return switch (op) {
            case RELU -> v <= 0 ? 0f : v;
            case NEG -> -v;
            case ABS -> Math.abs(v);
            case SIGN -> Math.signum(v);
            case SQRT -> (float) Math.sqrt(v);
            case RSQRT -> 1f / (float) Math.sqrt(v);
            case EXP -> SimdMath.exp(v);
            case LOG -> SimdMath.log(v);
            case TANH -> SimdMath.tanh(v);
            case SIGMOID -> SimdMath.sigmoid(v);
            case SIN -> SimdMath.sin(v);
            case COS -> SimdMath.cos(v);
            default -> MathKernels.hasForward(op) ? MathKernels.forwardScalar(op, v) : ActivationKernels.forwardScalar(op, v);
        };
    }

    /** y = max(x, 0); NaN stays NaN and −0 becomes 0, as the reference. */
    public static void relu(float[] y, int yo, float[] x, int xo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            v.blend(0f, v.compare(VectorOperators.LE, 0f)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            float v = x[xo + i];
            y[yo + i] = v <= 0 ? 0f : v;
        }
    }

    public static void neg(float[] y, int yo, float[] x, int xo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            FloatVector.fromArray(S, x, xo + i).neg().intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = -x[xo + i];
        }
    }

    public static void abs(float[] y, int yo, float[] x, int xo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            FloatVector.fromArray(S, x, xo + i).abs().intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = Math.abs(x[xo + i]);
        }
    }

    /** Math.signum per element: ±1, ±0 kept, NaN kept. */
    public static void sign(float[] y, int yo, float[] x, int xo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            v.blend(1f, v.compare(VectorOperators.GT, 0f)).blend(-1f, v.compare(VectorOperators.LT, 0f))
                    .intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = Math.signum(x[xo + i]);
        }
    }

    public static void sqrt(float[] y, int yo, float[] x, int xo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            FloatVector.fromArray(S, x, xo + i).sqrt().intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = (float) Math.sqrt(x[xo + i]);
        }
    }

    /** 1/√x (two roundings, vector loop and tail alike: within 1 ulp). */
    public static void rsqrt(float[] y, int yo, float[] x, int xo, int n) {
        int i = 0;
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int up = bound(n); i < up; i += L) {
            one.div(FloatVector.fromArray(S, x, xo + i).sqrt()).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = 1f / (float) Math.sqrt(x[xo + i]);
        }
    }

    public static void exp(float[] y, int yo, float[] x, int xo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            SimdMath.exp(FloatVector.fromArray(S, x, xo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = SimdMath.exp(x[xo + i]);
        }
    }

    public static void log(float[] y, int yo, float[] x, int xo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            SimdMath.log(FloatVector.fromArray(S, x, xo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = SimdMath.log(x[xo + i]);
        }
    }

    public static void tanh(float[] y, int yo, float[] x, int xo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            SimdMath.tanh(FloatVector.fromArray(S, x, xo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = SimdMath.tanh(x[xo + i]);
        }
    }

    /** 1/(1 + e^−x); for x below −88.7 e^−x overflows and the result is 0 (true value &lt; 3e-39). */
    public static void sigmoid(float[] y, int yo, float[] x, int xo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            SimdMath.sigmoid(FloatVector.fromArray(S, x, xo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = SimdMath.sigmoid(x[xo + i]);
        }
    }

    /** sin by {@link SimdMath#sin(FloatVector)} (Kiln's own, not the Vector API's SIN, whose bits depend on the JIT). */
    public static void sin(float[] y, int yo, float[] x, int xo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            SimdMath.sin(FloatVector.fromArray(S, x, xo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = SimdMath.sin(x[xo + i]);
        }
    }

    /** cos by {@link SimdMath#cos(FloatVector)}. */
    public static void cos(float[] y, int yo, float[] x, int xo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            SimdMath.cos(FloatVector.fromArray(S, x, xo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = SimdMath.cos(x[xo + i]);
        }
    }

    // ------------------------------------------------------------------ residual add

    /** y = a + alpha·b (residual add with a scaled branch); all contiguous. */
    public static void residualAdd(float[] y, int yo, float[] a, int ao, float[] b, int bo, float alpha, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            FloatVector.fromArray(S, b, bo + i).mul(alpha).add(FloatVector.fromArray(S, a, ao + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = a[ao + i] + alpha * b[bo + i];
        }
    }

    // ------------------------------------------------------------------ binary

    /** Whether {@link #binary} has a kernel for op with F32 operands and F32 result. */
    public static boolean hasBinary(BinaryOp op) {
        return switch (op) {
            case ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM -> true;
            default -> false;
        };
    }

    /**
     * y = op(a, b) for n elements; a and b step by as and bs, each 1 (running) or 0 (a repeated
     * scalar) on the vector paths, any other stride on the scalar path.
     */
    public static void binary(BinaryOp op, float[] y, int yo, float[] a, int ao, int as, float[] b, int bo, int bs,
                              int n) {
        switch (op) {
            case ADD -> add(y, yo, a, ao, as, b, bo, bs, n);
            case SUB -> sub(y, yo, a, ao, as, b, bo, bs, n);
            case MUL -> mul(y, yo, a, ao, as, b, bo, bs, n);
            case DIV -> div(y, yo, a, ao, as, b, bo, bs, n);
            case MAXIMUM -> max(y, yo, a, ao, as, b, bo, bs, n);
            case MINIMUM -> min(y, yo, a, ao, as, b, bo, bs, n);
            case POW -> {
                for (int i = 0; i < n; i++) {
                    y[yo + i] = (float) Math.pow(a[ao + i * as], b[bo + i * bs]);
                }
            }
            default -> throw new IllegalArgumentException("ElementwiseKernels.binary: no kernel for " + op);
        }
    }

    // One method per op keeps each vector loop monomorphic (the Vector API needs a constant
    // operator to compile to single instructions). Each handles (1,1), (1,0), (0,1) vector paths.

    /** y = relu(a + b) over contiguous runs, NaN kept (as {@link #relu}). */
    public static void addRelu(float[] y, int yo, float[] a, int ao, float[] b, int bo, int n) {
        int i = 0;
        for (int up = bound(n); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, a, ao + i).add(FloatVector.fromArray(S, b, bo + i));
            v.blend(0f, v.compare(VectorOperators.LE, 0f)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            float v = a[ao + i] + b[bo + i];
            y[yo + i] = v <= 0 ? 0f : v;
        }
    }

    public static void add(float[] y, int yo, float[] a, int ao, int as, float[] b, int bo, int bs, int n) {
        int i = 0;
        if (as == 1 && bs == 1) {
            for (int up = bound(n); i < up; i += L) {
                FloatVector.fromArray(S, a, ao + i).add(FloatVector.fromArray(S, b, bo + i)).intoArray(y, yo + i);
            }
        } else if (as == 1 && bs == 0) {
            float s = b[bo];
            for (int up = bound(n); i < up; i += L) {
                FloatVector.fromArray(S, a, ao + i).add(s).intoArray(y, yo + i);
            }
        } else if (as == 0 && bs == 1) {
            float s = a[ao];
            for (int up = bound(n); i < up; i += L) {
                FloatVector.broadcast(S, s).add(FloatVector.fromArray(S, b, bo + i)).intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) {
            y[yo + i] = a[ao + i * as] + b[bo + i * bs];
        }
    }

    public static void sub(float[] y, int yo, float[] a, int ao, int as, float[] b, int bo, int bs, int n) {
        int i = 0;
        if (as == 1 && bs == 1) {
            for (int up = bound(n); i < up; i += L) {
                FloatVector.fromArray(S, a, ao + i).sub(FloatVector.fromArray(S, b, bo + i)).intoArray(y, yo + i);
            }
        } else if (as == 1 && bs == 0) {
            float s = b[bo];
            for (int up = bound(n); i < up; i += L) {
                FloatVector.fromArray(S, a, ao + i).sub(s).intoArray(y, yo + i);
            }
        } else if (as == 0 && bs == 1) {
            float s = a[ao];
            for (int up = bound(n); i < up; i += L) {
                FloatVector.broadcast(S, s).sub(FloatVector.fromArray(S, b, bo + i)).intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) {
            y[yo + i] = a[ao + i * as] - b[bo + i * bs];
        }
    }

    public static void mul(float[] y, int yo, float[] a, int ao, int as, float[] b, int bo, int bs, int n) {
        int i = 0;
        if (as == 1 && bs == 1) {
            for (int up = bound(n); i < up; i += L) {
                FloatVector.fromArray(S, a, ao + i).mul(FloatVector.fromArray(S, b, bo + i)).intoArray(y, yo + i);
            }
        } else if (as == 1 && bs == 0) {
            float s = b[bo];
            for (int up = bound(n); i < up; i += L) {
                FloatVector.fromArray(S, a, ao + i).mul(s).intoArray(y, yo + i);
            }
        } else if (as == 0 && bs == 1) {
            float s = a[ao];
            for (int up = bound(n); i < up; i += L) {
                FloatVector.broadcast(S, s).mul(FloatVector.fromArray(S, b, bo + i)).intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) {
            y[yo + i] = a[ao + i * as] * b[bo + i * bs];
        }
    }

    public static void div(float[] y, int yo, float[] a, int ao, int as, float[] b, int bo, int bs, int n) {
        int i = 0;
        if (as == 1 && bs == 1) {
            for (int up = bound(n); i < up; i += L) {
                FloatVector.fromArray(S, a, ao + i).div(FloatVector.fromArray(S, b, bo + i)).intoArray(y, yo + i);
            }
        } else if (as == 1 && bs == 0) {
            // a true division, not a multiply by 1/s, so results match the reference's rounding
            float s = b[bo];
            for (int up = bound(n); i < up; i += L) {
                FloatVector.fromArray(S, a, ao + i).div(s).intoArray(y, yo + i);
            }
        } else if (as == 0 && bs == 1) {
            float s = a[ao];
            for (int up = bound(n); i < up; i += L) {
                FloatVector.broadcast(S, s).div(FloatVector.fromArray(S, b, bo + i)).intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) {
            y[yo + i] = a[ao + i * as] / b[bo + i * bs];
        }
    }

    /** Math.max per element (NaN wins, 0 beats −0). */
    public static void max(float[] y, int yo, float[] a, int ao, int as, float[] b, int bo, int bs, int n) {
        int i = 0;
        if (as == 1 && bs == 1) {
            for (int up = bound(n); i < up; i += L) {
                FloatVector.fromArray(S, a, ao + i).max(FloatVector.fromArray(S, b, bo + i)).intoArray(y, yo + i);
            }
        } else if (as == 1 && bs == 0) {
            float s = b[bo];
            for (int up = bound(n); i < up; i += L) {
                FloatVector.fromArray(S, a, ao + i).max(s).intoArray(y, yo + i);
            }
        } else if (as == 0 && bs == 1) {
            float s = a[ao];
            for (int up = bound(n); i < up; i += L) {
                FloatVector.broadcast(S, s).max(FloatVector.fromArray(S, b, bo + i)).intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) {
            y[yo + i] = Math.max(a[ao + i * as], b[bo + i * bs]);
        }
    }

    /** Math.min per element (NaN wins, −0 beats 0). */
    public static void min(float[] y, int yo, float[] a, int ao, int as, float[] b, int bo, int bs, int n) {
        int i = 0;
        if (as == 1 && bs == 1) {
            for (int up = bound(n); i < up; i += L) {
                FloatVector.fromArray(S, a, ao + i).min(FloatVector.fromArray(S, b, bo + i)).intoArray(y, yo + i);
            }
        } else if (as == 1 && bs == 0) {
            float s = b[bo];
            for (int up = bound(n); i < up; i += L) {
                FloatVector.fromArray(S, a, ao + i).min(s).intoArray(y, yo + i);
            }
        } else if (as == 0 && bs == 1) {
            float s = a[ao];
            for (int up = bound(n); i < up; i += L) {
                FloatVector.broadcast(S, s).min(FloatVector.fromArray(S, b, bo + i)).intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) {
            y[yo + i] = Math.min(a[ao + i * as], b[bo + i * bs]);
        }
    }

    /** y = (a op b) ? 1 : 0 as BOOL bytes, for the comparison ops; a and b step by as and bs. */
    public static void compare(BinaryOp op, byte[] y, int yo, float[] a, int ao, int as, float[] b, int bo, int bs,
                               int n) {
        switch (op) {
            case EQ -> {
                for (int i = 0; i < n; i++) {
                    y[yo + i] = a[ao + i * as] == b[bo + i * bs] ? (byte) 1 : 0;
                }
            }
            case NE -> {
                for (int i = 0; i < n; i++) {
                    y[yo + i] = a[ao + i * as] != b[bo + i * bs] ? (byte) 1 : 0;
                }
            }
            case LT -> {
                for (int i = 0; i < n; i++) {
                    y[yo + i] = a[ao + i * as] < b[bo + i * bs] ? (byte) 1 : 0;
                }
            }
            case LE -> {
                for (int i = 0; i < n; i++) {
                    y[yo + i] = a[ao + i * as] <= b[bo + i * bs] ? (byte) 1 : 0;
                }
            }
            case GT -> {
                for (int i = 0; i < n; i++) {
                    y[yo + i] = a[ao + i * as] > b[bo + i * bs] ? (byte) 1 : 0;
                }
            }
            case GE -> {
                for (int i = 0; i < n; i++) {
                    y[yo + i] = a[ao + i * as] >= b[bo + i * bs] ? (byte) 1 : 0;
                }
            }
            default -> throw new IllegalArgumentException("ElementwiseKernels.compare: " + op + " is not a comparison");
        }
    }

    // ------------------------------------------------------------------ clamp, where, copy, fill

    /** y = min(max(x, lo), hi); NaN propagates. x steps by xs. */
    public static void clamp(float[] y, int yo, float[] x, int xo, int xs, float lo, float hi, int n) {
        int i = 0;
        if (xs == 1) {
            for (int up = bound(n); i < up; i += L) {
                FloatVector.fromArray(S, x, xo + i).max(lo).min(hi).intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) {
            y[yo + i] = Math.min(Math.max(x[xo + i * xs], lo), hi);
        }
    }

    /** y = cond ? a : b, each input with its own stride. */
    public static void where(float[] y, int yo, byte[] c, int co, int cs, float[] a, int ao, int as, float[] b, int bo,
                             int bs, int n) {
        for (int i = 0; i < n; i++) {
            y[yo + i] = c[co + i * cs] != 0 ? a[ao + i * as] : b[bo + i * bs];
        }
    }

    /** y[i·ys] = x[i·xs]; stride-1 runs go through System.arraycopy. */
    public static void copy(float[] y, int yo, int ys, float[] x, int xo, int xs, int n) {
        if (ys == 1 && xs == 1) {
            System.arraycopy(x, xo, y, yo, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            y[yo + i * ys] = x[xo + i * xs];
        }
    }

    /** y[i·ys] = v. */
    public static void fill(float[] y, int yo, int ys, float v, int n) {
        if (ys == 1) {
            java.util.Arrays.fill(y, yo, yo + n, v);
            return;
        }
        for (int i = 0; i < n; i++) {
            y[yo + i * ys] = v;
        }
    }
}
