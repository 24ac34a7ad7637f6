package dev.kiln.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Row-wise vector helpers of the attention kernels (masking, exp, dot products, axpy) and their task
 * sizing. Vector loops with scalar tails; {@link Simd#ENABLED} false leaves only the scalar loops.
 */
final class AttentionRows {
    private static final VectorSpecies<Float> SP = Simd.F32;
    private static final int L = SP.length();
    private static final boolean SIMD = Simd.ENABLED;
    /** Below this many multiply-adds per chunk, work stays on the calling thread. */
    private static final long GRAIN_FLOPS = 1 << 20;

    private AttentionRows() {
    }

    /** Sets s[r·stride + c] = fill where key j0 + c lies beyond query i0 + r's causal limit (c > r − shift). */
    static void maskAbove(float[] s, int stride, int rows, int cols, int shift, float fill) {
        for (int r = 0; r < rows; r++) {
            int first = Math.max(0, r - shift + 1);
            if (first < cols) {
                Arrays.fill(s, r * stride + first, r * stride + cols, fill);
            }
        }
    }

    // Masking a row of scores: the kernels pick hideRow or addRow at each call, not through one
    // method with both, so each call site's profile keeps only the kind it meets and the kernel C2
    // compiles stays small enough to inline its vector helpers (a shared method made the masked
    // backward box a vector per row).

    /** s[so + c] = −∞ where keep[mo + c·sj] is 0, c < n. */
    static void hideRow(float[] s, int so, byte[] keep, int mo, int sj, int n) {
        for (int c = 0; c < n; c++) {
            if (keep[mo + c * sj] == 0) {
                s[so + c] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    /** s[so + c] += f·add[mo + c·sj], c < n; vectors where the mask's keys have unit stride. */
    static void addRow(float[] s, int so, float[] add, int mo, int sj, int n, float f) {
        int c = 0;
        if (SIMD && sj == 1) {
            int bound = SP.loopBound(n);
            FloatVector fv = FloatVector.broadcast(SP, f);
            for (; c < bound; c += L) {
                FloatVector.fromArray(SP, add, mo + c).fma(fv, FloatVector.fromArray(SP, s, so + c)).intoArray(s, so + c);
            }
        }
        for (; c < n; c++) {
            s[so + c] = Math.fma(add[mo + c * sj], f, s[so + c]);
        }
    }

    /** s[i] = exp(s[i] − shift) in place over n entries; returns their sum. */
    static float expShifted(float[] s, int from, int n, float shift) {
        int i = 0;
        float sum = 0;
        if (SIMD) {
            int bound = SP.loopBound(n);
            FloatVector sv = FloatVector.zero(SP);
            FloatVector sh = FloatVector.broadcast(SP, shift);
            for (; i < bound; i += L) {
                FloatVector e = SimdMath.exp(FloatVector.fromArray(SP, s, from + i).sub(sh));
                e.intoArray(s, from + i);
                sv = sv.add(e);
            }
            sum = Simd.sum(sv);
        }
        for (; i < n; i++) {
            float e = SimdMath.exp(s[from + i] - shift);
            s[from + i] = e;
            sum += e;
        }
        return sum;
    }

    static void scaleRow(float[] a, int from, int n, float f) {
        int i = 0;
        if (SIMD) {
            int bound = SP.loopBound(n);
            for (; i < bound; i += L) {
                FloatVector.fromArray(SP, a, from + i).mul(f).intoArray(a, from + i);
            }
        }
        for (; i < n; i++) {
            a[from + i] *= f;
        }
    }

    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int i = 0;
        float sum = 0;
        if (SIMD) {
            int bound = SP.loopBound(n);
            FloatVector acc = FloatVector.zero(SP);
            for (; i < bound; i += L) {
                acc = FloatVector.fromArray(SP, a, ao + i).fma(FloatVector.fromArray(SP, b, bo + i), acc);
            }
            sum = Simd.sum(acc);
        }
        for (; i < n; i++) {
            sum += a[ao + i] * b[bo + i];
        }
        return sum;
    }

    /** y[yo + i] += f · x[xo + i]. */
    static void axpy(float[] y, int yo, float f, float[] x, int xo, int n) {
        int i = 0;
        if (SIMD) {
            int bound = SP.loopBound(n);
            FloatVector fv = FloatVector.broadcast(SP, f);
            for (; i < bound; i += L) {
                FloatVector.fromArray(SP, x, xo + i).fma(fv, FloatVector.fromArray(SP, y, yo + i)).intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) {
            y[yo + i] += f * x[xo + i];
        }
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** Tasks per chunk so a chunk holds at least {@link #GRAIN_FLOPS} multiply-adds. */
    static int grain(long flopsPerTask) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, GRAIN_FLOPS / Math.max(1, flopsPerTask)));
    }
}
