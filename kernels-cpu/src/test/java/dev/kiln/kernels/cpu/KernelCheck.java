package dev.kiln.kernels.cpu;

import dev.kiln.tensor.spi.CpuStorage;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.spi.ReferenceBackend;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.spi.Strided;
import dev.kiln.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What every kernel test needs: inputs in several layouts, poisoned outputs, and a comparison
 * against {@link ReferenceBackend} with an error bound.
 *
 * <p>An output lives at offset {@link #PAD} in a buffer with PAD extra elements on both sides, and
 * the whole buffer is filled with a NaN whose payload no arithmetic produces from other values.
 * After a call, every element of the output must differ from the poison and every pad element
 * must still hold it: a kernel that skips an element, reads its output before writing it, or
 * writes outside its range fails.
 */
final class KernelCheck {
    static final CpuBackend CPU = new CpuBackend();
    static final ReferenceBackend REF = ReferenceBackend.INSTANCE;
    static final int PAD = 5;
    static final int POISON_F32 = 0x7FC5A5A5;
    static final int POISON_I32 = 0x5A5A5A5A;
    static final byte POISON_BOOL = 0x5A;

    private KernelCheck() {
    }

    /** How an input is laid out in memory; the logical values are the same for all. */
    enum Layout {
        /** Row-major from offset 0. */
        CONTIGUOUS,
        /** Row-major from offset 3. */
        OFFSET,
        /** Dims stored in reverse order (a transpose for matrices). */
        PERMUTED,
        /** Every stride doubled, from offset 1: gaps between all elements. */
        STRIDED
    }

    /**
     * True in the extra runs that force a narrower vector width (-Dkiln.simd=...): only the vector
     * loops and their tails depend on the width, so those runs check small shapes in contiguous
     * layouts, while the default run checks every layout and the sizes that go multi-threaded.
     */
    static final boolean WIDTH_PASS = System.getProperty("kiln.simd") != null;

    /** The layouts this run checks inputs in. */
    static List<Layout> layouts() {
        return WIDTH_PASS ? List.of(Layout.CONTIGUOUS, Layout.OFFSET) : List.of(Layout.values());
    }

    /** Shapes that exercise empty, single, odd, prime and vector-boundary sizes. */
    static final List<int[]> SHAPES = List.of(
            new int[] {}, new int[] {0}, new int[] {1}, new int[] {2}, new int[] {3}, new int[] {7}, new int[] {8},
            new int[] {15}, new int[] {16}, new int[] {17}, new int[] {31}, new int[] {33}, new int[] {64},
            new int[] {65}, new int[] {127}, new int[] {1000}, new int[] {4099}, new int[] {3, 0}, new int[] {1, 1},
            new int[] {2, 3}, new int[] {5, 7}, new int[] {13, 17}, new int[] {1, 31}, new int[] {31, 1},
            new int[] {4, 16}, new int[] {3, 5, 7}, new int[] {2, 1, 9}, new int[] {2, 3, 4, 5},
            new int[] {97, 101});

    /** Sizes big enough to be split over threads. */
    static final List<int[]> LARGE_SHAPES = List.of(new int[] {70001}, new int[] {300, 301});

    /** The shapes this run checks: {@link #SHAPES}, plus {@link #LARGE_SHAPES} unless it is a width pass. */
    static List<int[]> allShapes() {
        List<int[]> all = new ArrayList<>(SHAPES);
        if (!WIDTH_PASS) {
            all.addAll(LARGE_SHAPES);
        }
        return all;
    }

    /** Whether a width pass skips this (multi-threaded) size. */
    static boolean skipLarge(int[] shape) {
        return WIDTH_PASS && numel(shape) > 10_000;
    }

    // ------------------------------------------------------------------ values

    /** n standard normal values times scale plus shift. */
    static double[] randn(Generator rng, int n, double scale, double shift) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rng.nextGaussian() * scale + shift);
        }
        return v;
    }

    static int numel(int[] shape) {
        return Shapes.numel(shape);
    }

    // ------------------------------------------------------------------ inputs

    /** A tensor of the given dtype, logical shape and values, stored in the given layout. */
    static Tensor input(DType dtype, double[] values, int[] shape, Layout layout) {
        int n = numel(shape);
        int rank = shape.length;
        int[] strides;
        int offset;
        int size;
        switch (layout) {
            case OFFSET -> {
                strides = Shapes.contiguousStrides(shape);
                offset = 3;
                size = n + 6;
            }
            case PERMUTED -> {
                int[] phys = new int[rank];
                for (int d = 0; d < rank; d++) {
                    phys[d] = shape[rank - 1 - d];
                }
                int[] ps = Shapes.contiguousStrides(phys);
                strides = new int[rank];
                for (int d = 0; d < rank; d++) {
                    strides[d] = ps[rank - 1 - d];
                }
                offset = 0;
                size = n;
            }
            case STRIDED -> {
                strides = Shapes.contiguousStrides(shape);
                for (int d = 0; d < rank; d++) {
                    strides[d] *= 2;
                }
                offset = 1;
                size = 2 * n + 1;
            }
            default -> {
                strides = Shapes.contiguousStrides(shape);
                offset = 0;
                size = n;
            }
        }
        CpuStorage s = CpuStorage.allocate(dtype, Math.max(size, 1));
        // unused slots hold values that make a stray read visible (NaN, or an index far out of range)
        double filler = dtype == DType.I32 ? -1_000_000_000 : Double.NaN;
        for (int i = 0; i < s.size(); i++) {
            s.set(i, filler);
        }
        Tensor t = Tensor.fromStorage(s, shape, strides, offset);
        int[] offs = Strided.offsets(t);
        for (int i = 0; i < n; i++) {
            s.set(offs[i], values[i]);
        }
        return t;
    }

    static Tensor input(double[] values, int[] shape, Layout layout) {
        return input(DType.F32, values, shape, layout);
    }

    static Tensor contiguous(DType dtype, double[] values, int... shape) {
        return input(dtype, values, shape, Layout.CONTIGUOUS);
    }

    // ------------------------------------------------------------------ outputs

    /** A contiguous output at offset PAD inside a poisoned buffer with PAD spare elements each side. */
    static Tensor poisoned(DType dtype, int... shape) {
        int n = numel(shape);
        CpuStorage s = CpuStorage.allocate(dtype, n + 2 * PAD);
        poisonAll(s);
        return Tensor.fromStorage(s, shape, Shapes.contiguousStrides(shape), PAD);
    }

    static Tensor poisoned(int... shape) {
        return poisoned(DType.F32, shape);
    }

    /** A contiguous tensor at offset PAD in a poisoned buffer, holding the given values (for in-place ops). */
    static Tensor holding(DType dtype, double[] values, int... shape) {
        Tensor t = poisoned(dtype, shape);
        CpuStorage s = (CpuStorage) t.storage();
        for (int i = 0; i < values.length; i++) {
            s.set(PAD + i, values[i]);
        }
        return t;
    }

    static void poisonAll(CpuStorage s) {
        switch (s.dtype()) {
            case F32 -> Arrays.fill(s.floats(), Float.intBitsToFloat(POISON_F32));
            case I32 -> Arrays.fill(s.ints(), POISON_I32);
            case BOOL -> Arrays.fill(s.bools(), POISON_BOOL);
            case F64 -> Arrays.fill(s.doubles(), Double.longBitsToDouble(0x7FF8A5A5A5A5A5A5L));
            case I64 -> Arrays.fill(s.longs(), 0x7FF8A5A5A5A5A5A5L);
            case I8, U8 -> Arrays.fill(s.bytes(), POISON_BOOL);
            case F16, BF16 -> Arrays.fill(s.halves(), (short) 0x7EA5);
        }
    }

    private static boolean isPoison(CpuStorage s, int i) {
        return switch (s.dtype()) {
            case F32 -> Float.floatToRawIntBits(s.floats()[i]) == POISON_F32;
            case I32 -> s.ints()[i] == POISON_I32;
            case BOOL -> s.bools()[i] == POISON_BOOL;
            case F64 -> Double.doubleToRawLongBits(s.doubles()[i]) == 0x7FF8A5A5A5A5A5A5L;
            case I64 -> s.longs()[i] == 0x7FF8A5A5A5A5A5A5L;
            case I8, U8 -> s.bytes()[i] == POISON_BOOL;
            case F16, BF16 -> s.halves()[i] == (short) 0x7EA5;
        };
    }

    /** Every element of out's view was written, and nothing else in its buffer was. */
    static void assertWrittenExactly(String what, Tensor out) {
        CpuStorage s = (CpuStorage) out.storage();
        boolean[] inView = new boolean[s.size()];
        for (int off : Strided.offsets(out)) {
            inView[off] = true;
        }
        for (int i = 0; i < s.size(); i++) {
            if (inView[i] && isPoison(s, i)) {
                throw new AssertionError(what + ": element at storage offset " + i + " was never written");
            }
            if (!inView[i] && !isPoison(s, i)) {
                throw new AssertionError(what + ": storage offset " + i + " lies outside the output but was written");
            }
        }
    }

    /** Nothing outside out's view was written (for in-place kernels, whose view holds data already). */
    static void assertNothingOutside(String what, Tensor out) {
        CpuStorage s = (CpuStorage) out.storage();
        boolean[] inView = new boolean[s.size()];
        for (int off : Strided.offsets(out)) {
            inView[off] = true;
        }
        for (int i = 0; i < s.size(); i++) {
            if (!inView[i] && !isPoison(s, i)) {
                throw new AssertionError(what + ": storage offset " + i + " lies outside the output but was written");
            }
        }
    }

    // ------------------------------------------------------------------ comparison

    /** The logical values of t in row-major order, widened to double. */
    static double[] values(Tensor t) {
        CpuStorage s = (CpuStorage) t.storage();
        int[] offs = Strided.offsets(t);
        double[] v = new double[offs.length];
        for (int i = 0; i < offs.length; i++) {
            v[i] = s.get(offs[i]);
        }
        return v;
    }

    /** |actual − expected| ≤ atol + rtol·|expected| everywhere; NaN and infinities must match exactly. */
    static void assertClose(String what, Tensor actual, Tensor expected, double rtol, double atol) {
        assertClose(what, values(actual), values(expected), rtol, atol);
    }

    /** The same bits everywhere (a sign of zero included). */
    static void assertBitEqual(String what, Tensor actual, Tensor expected) {
        double[] a = values(actual);
        double[] e = values(expected);
        if (a.length != e.length) {
            throw new AssertionError(what + ": " + a.length + " elements, expected " + e.length);
        }
        for (int i = 0; i < a.length; i++) {
            if (Double.doubleToRawLongBits(a[i]) != Double.doubleToRawLongBits(e[i])) {
                throw new AssertionError(what + ": element " + i + " is " + a[i] + ", expected " + e[i] + " bit for bit");
            }
        }
    }

    static void assertClose(String what, double[] a, double[] e, double rtol, double atol) {
        if (a.length != e.length) {
            throw new AssertionError(what + ": " + a.length + " elements, expected " + e.length);
        }
        for (int i = 0; i < a.length; i++) {
            boolean ok;
            if (Double.isNaN(e[i])) {
                ok = Double.isNaN(a[i]);
            } else if (Double.isInfinite(e[i])) {
                ok = a[i] == e[i];
            } else {
                ok = Math.abs(a[i] - e[i]) <= atol + rtol * Math.abs(e[i]);
            }
            if (!ok) {
                throw new AssertionError(what + ": element " + i + " is " + a[i] + ", expected " + e[i] + " (rtol "
                        + rtol + ", atol " + atol + ")");
            }
        }
    }

    static String str(int[] shape) {
        return Arrays.toString(shape);
    }
}
