package dev.kiln.kernels.cuda;

import org.junit.jupiter.api.Test;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;

/** sum/max/min over any dims (rows, columns, split and stepwise paths), argmax/argmin; skipped without a GPU. */
class CudaReduceTest extends GpuTesting {

    @Test
    void sumsMaxAndMinOverEveryKindOfDimSet() {
        for (DType t : new DType[] {DType.F32, DType.F64, DType.I32}) {
            Tol sums = t == DType.I32 ? EXACT : floats(t, new Tol(2.4e-7, 1e-9), new Tol(1e-14, 1e-12));
            Tensor x = t == DType.I32 ? randint(-100, 100, 6, 7, 33) : randn(t, 6, 7, 33);
            for (int[] dims : new int[][] {{0}, {1}, {2}, {0, 1}, {0, 2}, {1, 2}, {0, 1, 2}}) {
                check("sum " + t + " " + java.util.Arrays.toString(dims), sums, in -> in[0].sum(dims, true), x);
                check("amax " + t, EXACT, in -> in[0].amax(dims, false), x);
                check("amin " + t, EXACT, in -> in[0].amin(dims, true), x);
                check("sum of a transposed view " + t, sums, in -> in[0].transpose(0, 2).sum(dims, false), x);
            }
            check("sum of all " + t, sums, in -> in[0].sum(), x);
            check("max of a 0-d " + t, EXACT, in -> in[0].reshape(-1).select(0, 5).max(), x);
        }
    }

    @Test
    void largeRowsAndColumnsTakeTheSplitPaths() {
        Tol tol = new Tol(1e-6, 1e-6);
        check("one long row (split over blocks)", tol, in -> in[0].sum(), randn(DType.F32, 1 << 20));
        check("max of one long row", EXACT, in -> in[0].max(), randn(DType.F32, 300_001));
        check("few long rows", tol, in -> in[0].sum(1, false), randn(DType.F32, 3, 200_000));
        check("columns (sum over dim 0)", tol, in -> in[0].sum(0, false), randn(DType.F32, 5000, 37));
        check("columns of few outputs", tol, in -> in[0].sum(0, false), randn(DType.F32, 100_000, 2));
        check("mean and var", tol, in -> in[0].var(1, true).add(in[0].mean(1, true)), randn(DType.F32, 16, 4097));
    }

    @Test
    void boolAndEmptyReductions() {
        check("sum of BOOL counts", EXACT, in -> in[0].gt(0).sum(1, false), randn(DType.F32, 9, 1001));
        check("any/all", EXACT, in -> Tensor.stack(0, in[0].gt(3).any(), in[0].gt(-30).all()), randn(DType.F32, 77));
        check("sum over an empty dim", EXACT, in -> in[0].reshape(0, 4).sum(0, false), randn(DType.F32, 0));
        check("sum of an empty tensor", EXACT, in -> in[0].sum(), randn(DType.F32, 0));
    }

    @Test
    void deepNonCoalescingReductionsGoStepwise() {
        // 18 dims permuted so that kept and reduced dims alternate: more than 8 groups each
        // (the quick emulator run takes 2^18 elements instead of 6^9 = 10 million)
        Tensor x = QUICK ? randn(DType.F64, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2)
                : randn(DType.F64, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3);
        int[] perm = {17, 0, 16, 1, 15, 2, 14, 3, 13, 4, 12, 5, 11, 6, 10, 7, 9, 8};
        int[] dims = {0, 2, 4, 6, 8, 10, 12, 14, 16};
        check("stepwise sum", new Tol(1e-12, 1e-12), in -> in[0].permute(perm).sum(dims, false), x);
        check("stepwise max", EXACT, in -> in[0].permute(perm).amax(dims, false), x);
    }

    /** Small integers as floats, so that ties are common. */
    private Tensor roundedRandn(DType t, int... shape) {
        return randint(-3, 3, shape).to(t);
    }

    @Test
    void argmaxAndArgminFollowTheReferenceOnTiesAndNaN() {
        for (DType t : new DType[] {DType.F32, DType.F64, DType.I32}) {
            Tensor x = t == DType.I32 ? randint(-3, 3, 40, 300) : roundedRandn(t, 40, 300);
            for (int dim = 0; dim < 2; dim++) {
                int d = dim;
                check("argmax " + t + " dim " + d, EXACT, in -> in[0].argmax(d, false), x);
                check("argmin " + t + " dim " + d, EXACT, in -> in[0].argmin(d, true), x);
                check("argmax of a transposed view", EXACT, in -> in[0].t().argmax(d, false), x);
            }
            check("argmax flat " + t, EXACT, in -> in[0].argmax(), x);
        }
        Tensor withNaN = Tensor.of(new float[] {1, Float.NaN, 5, Float.NaN, 5, -1, 7, 7, 2}, 3, 3);
        check("NaN wins, first one", EXACT, in -> in[0].argmax(1, false), withNaN);
        check("NaN wins in argmin too", EXACT, in -> in[0].argmin(0, false), withNaN);
        check("long rows with NaN", EXACT, in -> Tensor.where(in[1].gt(2.5), Double.NaN, in[0]).argmax(1, false),
                randn(DType.F32, 4, 5000), randn(DType.F32, 4, 5000));
    }
}
