package dev.kiln.kernels.cpu;

import dev.kiln.tensor.spi.CpuStorage;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.spi.ReferenceBackend;
import dev.kiln.tensor.Tensor;

/**
 * What CpuBackend's per-family dispatch classes share: the arrays behind host tensors, the F32
 * test that picks a kernel over the reference loops, and the work grains below which a call stays
 * on the calling thread.
 */
final class HostArrays {
    private HostArrays() {
    }

    static final ReferenceBackend REF = ReferenceBackend.INSTANCE;

    /** Elements below which a cheap elementwise op stays on the calling thread. */
    static final int GRAIN = 1 << 15;
    /** The same for ops that cost a transcendental per element. */
    static final int GRAIN_HEAVY = 1 << 13;

    /** {@code a} when it holds at least {@code size} floats, else a new array of that size (a per-thread scratch buffer grown on demand). */
    static float[] atLeast(float[] a, long size) {
        return a.length >= size ? a : new float[Math.toIntExact(Math.max(1, size))];
    }

    static float[] f(Tensor t) {
        return ((CpuStorage) t.storage()).floats();
    }

    static int[] ints(Tensor t) {
        return ((CpuStorage) t.storage()).ints();
    }

    static boolean f32(Tensor... ts) {
        for (Tensor t : ts) {
            if (t != null && t.dtype() != DType.F32) {
                return false;
            }
        }
        return true;
    }

    /** The backing array of a host tensor, whatever its dtype. */
    static Object array(Tensor t) {
        return ((CpuStorage) t.storage()).array();
    }

    /** Rows per task so that a task has at least {@code grain} elements. */
    static int rowGrain(int rowLength, int grain) {
        return Math.max(1, grain / Math.max(rowLength, 1));
    }

    static float[] fOrNull(Tensor t) {
        return t == null ? null : f(t);
    }

    static int off(Tensor t) {
        return t == null ? 0 : t.offset();
    }

    static void sumPartials(Tensor out, float[] part, int chunks, int d) {
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
}
