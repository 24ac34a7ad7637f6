package dev.kiln.kernels.cuda;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.spi.ScanOp;
import org.junit.jupiter.api.Test;

/**
 * scan.cu against the reference loops: prod and the scans along every dim (rows and columns),
 * sort and top-k on rows with ties, NaN and ±∞, and the ops that sit on them (median, kthvalue,
 * mode); skipped without a GPU, run on the emulator in every build.
 */
class CudaScanTest extends GpuTesting {
    private static final DType[] TYPES = {DType.F32, DType.F64, DType.I32};

    /** Small integers (ties) as the dtype, with NaN and ±∞ among the floats. */
    private Tensor data(DType t, int... shape) {
        Tensor x = randint(-3, 4, shape).to(t);
        if (!t.isFloatingPoint()) {
            return x;
        }
        Tensor u = randn(DType.F64, shape);
        x = Tensor.where(u.lt(-2.2), Double.NEGATIVE_INFINITY, x);
        x = Tensor.where(u.gt(1.8), Double.POSITIVE_INFINITY, x);
        return Tensor.where(u.gt(2.0), Double.NaN, x);
    }

    @Test
    void prodAlongEveryDim() {
        for (DType t : TYPES) {
            Tensor x = t == DType.I32 ? randint(-2, 3, 4, 5, 9) : randn(t, 4, 5, 9).mul(0.5).add(1).to(t);
            for (int dim = 0; dim < 3; dim++) {
                int d = dim;
                int[] outShape = Shapes.reducedShape(x.shape(), new int[] {d}, true);
                checkKernel("prod " + t + " dim " + d, floats(t, F32_ULPS, F64_ULPS),
                        dev -> new Tensor[] {on(dev, Tensor.zeros(t, outShape)), on(dev, x)},
                        (b, a) -> b.prod(a[0], a[1], d));
            }
            check("prod of all " + t, floats(t, F32_ULPS, F64_ULPS), in -> in[0].prod(), data(t, 3, 7));
        }
    }

    @Test
    void scansAlongEveryDim() {
        for (DType t : TYPES) {
            Tensor x = data(t, 3, 6, 35);
            for (ScanOp op : ScanOp.values()) {
                if (op == ScanOp.LOGCUMSUMEXP && t == DType.I32) {
                    continue;
                }
                for (int dim = 0; dim < 3; dim++) {
                    int d = dim;
                    Tol tol = op == ScanOp.LOGCUMSUMEXP ? floats(t, F32_ULPS, F64_ULPS) : EXACT;
                    checkKernel(op + " " + t + " dim " + d, tol, dev -> new Tensor[] {
                        on(dev, Tensor.zeros(t, x.shape())),
                        op.hasIndices() ? on(dev, Tensor.zeros(DType.I32, x.shape())) : null,
                        on(dev, x)}, (b, a) -> b.scan(op, a[0], a[1], a[2], d));
                }
            }
        }
        check("cumsum of BOOL", EXACT, in -> in[0].gt(0).cumsum(1), randn(DType.F32, 4, 70));
        check("cummax indices of a view", EXACT, in -> in[0].t().cummax(1).indices(), data(DType.F32, 9, 5));
    }

    @Test
    void sortAndTopkFollowTheStableOrder() {
        for (DType t : TYPES) {
            Tensor x = data(t, 5, 37);
            for (boolean descending : new boolean[] {false, true}) {
                checkKernel("sort " + t + (descending ? " descending" : ""), EXACT, dev -> new Tensor[] {
                    on(dev, Tensor.zeros(t, 5, 37)), on(dev, Tensor.zeros(DType.I32, 5, 37)), on(dev, x)},
                        (b, a) -> b.sort(a[0], a[1], a[2], descending));
                for (int k : new int[] {1, 4, 37}) {
                    checkKernel("topk " + k + " " + t, EXACT, dev -> new Tensor[] {
                        on(dev, Tensor.zeros(t, 5, k)), on(dev, Tensor.zeros(DType.I32, 5, k)), on(dev, x)},
                            (b, a) -> b.topk(a[0], a[1], a[2], k, descending));
                }
            }
            check("sort dim 0 " + t, EXACT, in -> in[0].sort(0, true).values(), x);
            check("argsort " + t, EXACT, in -> in[0].argsort(1), x);
        }
        Tensor f = data(DType.F32, 6, 40);
        check("median", EXACT, in -> in[0].median(1).indices(), f);
        check("kthvalue", EXACT, in -> in[0].kthvalue(7, 1, true).values(), f);
        check("mode", EXACT, in -> in[0].mode(0).indices(), f);
        check("topk of a long row", EXACT, in -> in[0].topk(5).indices(), randn(DType.F32, 2, 3000));
    }

    /**
     * Rows of one tile (1, 2, 33, 1000, 2048: the bitonic sort alone, padded to a power of two) and
     * of several (2049, 5000, 9000: tiles merged in two to three passes, the last run short), with
     * ties, NaN and ±∞, in both directions, for sort and for top-k's first 1, 7 and all.
     */
    @Test
    void sortAndTopkOfRowsOfOneAndOfSeveralTiles() {
        for (int n : new int[] {1, 2, 33, 1000, 2048, 2049, 5000, 9000}) {
            for (DType t : n <= 2049 ? TYPES : new DType[] {DType.F32}) {
                Tensor x = data(t, 2, n);
                for (boolean descending : new boolean[] {false, true}) {
                    String what = " n=" + n + " " + t + (descending ? " descending" : "");
                    checkKernel("sort" + what, EXACT, dev -> new Tensor[] {
                        on(dev, Tensor.zeros(t, 2, n)), on(dev, Tensor.zeros(DType.I32, 2, n)), on(dev, x)},
                            (b, a) -> b.sort(a[0], a[1], a[2], descending));
                    for (int k : new int[] {1, 7, n}) {
                        if (k > n) {
                            continue;
                        }
                        checkKernel("topk " + k + what, EXACT, dev -> new Tensor[] {
                            on(dev, Tensor.zeros(t, 2, k)), on(dev, Tensor.zeros(DType.I32, 2, k)), on(dev, x)},
                                (b, a) -> b.topk(a[0], a[1], a[2], k, descending));
                    }
                }
            }
        }
        // distinct values too, where only the merge's comparisons (not the position tie-break) decide
        check("sort of distinct values", EXACT, in -> in[0].sort(1, true).indices(), randn(DType.F32, 3, 4500));
    }
}
