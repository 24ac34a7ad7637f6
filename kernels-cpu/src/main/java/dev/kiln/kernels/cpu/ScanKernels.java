package dev.kiln.kernels.cpu;

import dev.kiln.tensor.spi.ReferenceScans;
import dev.kiln.tensor.spi.ScanOp;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * F32 products, scans and sorts over flat arrays. A slab is x viewed as [n, inner] (the op's dim
 * first); rows are the inner = 1 case. Products and running sums accumulate in double, as the
 * reference loops do, and every output element is computed by one sequential loop (vector lanes
 * run the same loop for neighbouring columns), so the bits never depend on how a call is split
 * over threads, and scans match the reference exactly.
 */
public final class ScanKernels {
    private static final VectorSpecies<Float> S = Simd.F32;
    /** Doubles in a vector of F32's width, and floats in half that width: one float lane per double lane. */
    private static final VectorSpecies<Double> SD = DoubleVector.SPECIES_MAX.withShape(S.vectorShape());
    private static final VectorSpecies<Float> SH = S.withShape(VectorShape.forBitSize(Math.max(64,
            S.vectorBitSize() / 2)));
    private static final int LD = SD.length();

    private ScanKernels() {
    }

    private static DoubleVector load(float[] x, int p) {
        return (DoubleVector) FloatVector.fromArray(SH, x, p).convertShape(VectorOperators.F2D, SD, 0);
    }

    private static void store(DoubleVector v, float[] y, int p) {
        ((FloatVector) v.convertShape(VectorOperators.D2F, SH, 0)).intoArray(y, p);
    }

    private static boolean vectors() {
        return Simd.ENABLED && SH.length() == LD;
    }

    // ------------------------------------------------------------------ prod

    /** y[yo + c] = Π_k x[xo + k·inner + c] for columns [c0, c1) of a [n, inner] slab (1 for n = 0). */
    public static void prodColumns(float[] y, int yo, float[] x, int xo, int n, int inner, int c0, int c1) {
        int c = c0;
        if (vectors()) {
            DoubleVector one = DoubleVector.broadcast(SD, 1);
            for (; c + LD <= c1; c += LD) {
                DoubleVector p = one;
                for (int k = 0; k < n; k++) {
                    p = p.mul(load(x, xo + k * inner + c));
                }
                store(p, y, yo + c);
            }
        }
        for (; c < c1; c++) {
            double p = 1;
            for (int k = 0; k < n; k++) {
                p *= x[xo + k * inner + c];
            }
            y[yo + c] = (float) p;
        }
    }

    /** y[yo + r] = Π of row r of x (length n), rows [r0, r1): the product of each row, in double. */
    public static void prodRows(float[] y, int yo, float[] x, int xo, int r0, int r1, int n) {
        for (int r = r0; r < r1; r++) {
            int base = xo + r * n;
            int i = 0;
            double p = 1;
            if (vectors() && n >= 2 * LD) {
                DoubleVector a0 = DoubleVector.broadcast(SD, 1);
                DoubleVector a1 = a0;
                for (; i + 2 * LD <= n; i += 2 * LD) {
                    a0 = a0.mul(load(x, base + i));
                    a1 = a1.mul(load(x, base + i + LD));
                }
                a0 = a0.mul(a1);
                for (int l = 0; l < LD; l++) {
                    p *= a0.lane(l); // a fixed lane order: reduceLanes may multiply in another order before C2 compiles it
                }
            }
            for (; i < n; i++) {
                p *= x[base + i];
            }
            y[yo + r] = (float) p;
        }
    }

    // ------------------------------------------------------------------ scans

    /**
     * The inclusive scan of a [n, inner] slab along n, for columns [c0, c1): y (and, for CUMMAX and
     * CUMMIN, idx) at the same offsets as x. CUMSUM and CUMPROD run down LD columns at a time.
     */
    public static void scanColumns(ScanOp op, float[] y, int yo, int[] idx, int io, float[] x, int xo, int n,
                                   int inner, int c0, int c1) {
        if (n == 0) {
            return;
        }
        int c = c0;
        if (vectors() && (op == ScanOp.CUMSUM || op == ScanOp.CUMPROD)) {
            boolean sum = op == ScanOp.CUMSUM;
            for (; c + LD <= c1; c += LD) {
                DoubleVector acc = load(x, xo + c);
                store(acc, y, yo + c);
                for (int k = 1; k < n; k++) {
                    DoubleVector v = load(x, xo + k * inner + c);
                    acc = sum ? acc.add(v) : acc.mul(v);
                    store(acc, y, yo + k * inner + c);
                }
            }
        }
        for (; c < c1; c++) {
            scanOne(op, y, yo + c, idx, io + c, x, xo + c, n, inner);
        }
    }

    /** The scan of rows [r0, r1) of length n (the last dim). */
    public static void scanRows(ScanOp op, float[] y, int yo, int[] idx, int io, float[] x, int xo, int r0, int r1,
                                int n) {
        for (int r = r0; r < r1; r++) {
            scanOne(op, y, yo + r * n, idx, io + r * n, x, xo + r * n, n, 1);
        }
    }

    /** One line of n elements stepping by `step`, as ReferenceScans.scan. */
    private static void scanOne(ScanOp op, float[] y, int yo, int[] idx, int io, float[] x, int xo, int n, int step) {
        if (n == 0) {
            return;
        }
        switch (op) {
            case CUMSUM, CUMPROD, LOGCUMSUMEXP -> {
                double acc = x[xo];
                y[yo] = (float) acc;
                for (int k = 1; k < n; k++) {
                    double v = x[xo + k * step];
                    acc = op == ScanOp.CUMSUM ? acc + v : op == ScanOp.CUMPROD ? acc * v : ReferenceScans.logAddExp(acc, v);
                    y[yo + k * step] = (float) acc;
                }
            }
            case CUMMAX, CUMMIN -> {
                boolean max = op == ScanOp.CUMMAX;
                float acc = x[xo];
                int at = 0;
                y[yo] = acc;
                idx[io] = 0;
                for (int k = 1; k < n; k++) {
                    float v = x[xo + k * step];
                    if (v != v || (acc == acc && (max ? v >= acc : v <= acc))) {
                        acc = v;
                        at = k;
                    }
                    y[yo + k * step] = acc;
                    idx[io + k * step] = at;
                }
            }
        }
    }

    // ------------------------------------------------------------------ sort and topk

    /**
     * An int whose signed order is the sort order of f: NaN above +∞, −0.0 equal to 0.0 (the
     * float's bits with the magnitude bits flipped for negatives).
     */
    static int sortKey(float f) {
        int bits = Float.floatToIntBits(f + 0.0f); // canonical NaN, and −0.0 becomes 0.0
        return bits ^ ((bits >> 31) & 0x7fffffff);
    }

    /** key (flipped for a descending order) in the high half, the position in the low half: unique and stable. */
    private static long packed(float f, int position, boolean descending) {
        int key = sortKey(f);
        return ((long) (descending ? ~key : key) << 32) | position;
    }

    /**
     * Stable sort of rows [r0, r1) of x [rows, n] into values and indices; scratch holds n longs.
     * A primitive sort of (key, position) pairs: the positions break ties, so it is stable.
     */
    public static void sortRows(float[] v, int vo, int[] idx, int io, float[] x, int xo, int r0, int r1, int n,
                                boolean descending, long[] scratch) {
        for (int r = r0; r < r1; r++) {
            int base = xo + r * n;
            for (int i = 0; i < n; i++) {
                scratch[i] = packed(x[base + i], i, descending);
            }
            java.util.Arrays.sort(scratch, 0, n);
            for (int i = 0; i < n; i++) {
                int p = (int) scratch[i];
                v[vo + r * n + i] = x[base + p];
                idx[io + r * n + i] = p;
            }
        }
    }

    /**
     * The first k of each row's stable sort (descending when largest), rows [r0, r1) of x [rows, n],
     * into values and indices [rows, k]. A max-heap of the k best packed keys seen so far (scratch
     * holds k longs), then sorted: O(n log k).
     */
    public static void topkRows(float[] v, int vo, int[] idx, int io, float[] x, int xo, int r0, int r1, int n, int k,
                                boolean largest, long[] scratch) {
        if (k == 0) {
            return;
        }
        for (int r = r0; r < r1; r++) {
            int base = xo + r * n;
            int size = 0;
            for (int i = 0; i < n; i++) {
                long key = packed(x[base + i], i, largest);
                if (size < k) {
                    siftUp(scratch, size++, key);
                } else if (key < scratch[0]) {
                    siftDown(scratch, k, key);
                }
            }
            java.util.Arrays.sort(scratch, 0, k);
            for (int i = 0; i < k; i++) {
                int p = (int) scratch[i];
                v[vo + r * k + i] = x[base + p];
                idx[io + r * k + i] = p;
            }
        }
    }

    private static void siftUp(long[] h, int at, long key) {
        while (at > 0) {
            int parent = (at - 1) >>> 1;
            if (h[parent] >= key) {
                break;
            }
            h[at] = h[parent];
            at = parent;
        }
        h[at] = key;
    }

    /** Replaces the root (the largest key) with key and restores the heap. */
    private static void siftDown(long[] h, int size, long key) {
        int at = 0;
        while (true) {
            int child = 2 * at + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && h[child + 1] > h[child]) {
                child++;
            }
            if (h[child] <= key) {
                break;
            }
            h[at] = h[child];
            at = child;
        }
        h[at] = key;
    }
}
