package dev.kiln.kernels.cuda;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;

/**
 * The issue-15 shape and indexing ops on cuda:0 against the reference backend. They are
 * compositions of kernels the other GPU tests cover, plus host loops for positions and search,
 * so this checks that every piece lands on the device and reads views correctly; skipped without a GPU.
 */
class CudaShapeOpsTest extends GpuTesting {

    private static Tensor ints(int... v) {
        return Tensor.of(v);
    }

    private static Tensor flat(List<Tensor> parts) {
        return Tensor.cat(parts.stream().map(p -> p.reshape(-1)).toList(), 0);
    }

    @Test
    void rearrangements() {
        for (DType t : new DType[] {DType.F32, DType.F64, DType.I32}) {
            Tensor x = randn(DType.F32, 4, 5, 3).mul(3).to(t);
            check("flip " + t, EXACT, in -> in[0].flip(0, 2), x);
            check("roll " + t, EXACT, in -> in[0].transpose(0, 1).roll(new int[] {2, -1}, new int[] {0, 2}), x);
            check("repeat " + t, EXACT, in -> in[0].repeat(2, 1, 1, 2), x);
            check("tile " + t, EXACT, in -> in[0].tile(3, 1), x);
            check("repeatInterleave " + t, EXACT, in -> in[0].repeatInterleave(in[1], 1), x, ints(0, 2, 1, 3, 1));
            check("split and chunk " + t, EXACT, in -> flat(in[0].split(new int[] {1, 3, 1}, 1))
                    .add(flat(in[0].chunk(2, 1))), x);
            check("tril of a view " + t, EXACT, in -> in[0].permute(2, 1, 0).tril(-1), x);
            check("diagonal and unfold " + t, EXACT, in -> in[0].diagonal(1, 0, 1).contiguous().reshape(-1)
                    .add(in[0].unfold(1, 2, 2).contiguous().reshape(-1).narrow(0, 0, 12)), x);
            for (String mode : new String[] {"constant", "reflect", "replicate", "circular"}) {
                check("pad " + mode + " " + t, EXACT, in -> in[0].pad(new int[] {2, 1, 1, -2}, mode), x);
            }
        }
        Tensor v = randn(DType.F32, 6);
        check("diag and trace", EXACT, in -> in[0].diag(-1).add(in[0].diag(-1).trace()), v);
        check("meshgrid and cartesianProd", EXACT, in -> flat(Tensor.meshgrid(List.of(in[0], in[1]), "xy"))
                .sum().add(Tensor.cartesianProd(in[0], in[1]).sum()), v, randn(DType.F32, 3));
        check("einsum", F32_SUMS, in -> Tensor.einsum("bij,jk,bk->bi", in[0], in[1], in[2]),
                randn(DType.F32, 2, 3, 4), randn(DType.F32, 4, 5), randn(DType.F32, 2, 5));
    }

    @Test
    void masksScatterAndIndexing() {
        Tensor x = randn(DType.F32, 4, 6);
        Tensor mask = Tensor.randn(rng, 4, 6).gt(0);
        check("maskedFill", EXACT, in -> in[0].maskedFill(in[1], in[2]), x, mask, Tensor.scalar(7));
        check("maskedSelect", EXACT, in -> in[0].maskedSelect(in[1]), x, mask.select(0, 1));
        check("maskedScatter", EXACT, in -> in[0].maskedScatter(in[1], in[2]), x, mask, randn(DType.F32, 30));
        Tensor idx = Tensor.of(new int[] {3, 0, 1, 1, 2, 0, 0, 3, 2, 1, 0, 3}, 2, 6);
        check("scatter", EXACT, in -> in[0].scatter(0, in[1], in[2]), x, idx, randn(DType.F32, 2, 6));
        for (String reduce : new String[] {"sum", "prod", "mean", "amax", "amin"}) {
            check("scatterReduce " + reduce, F32_SUMS, in -> in[0].scatterReduce(0, in[1], in[2], reduce, false),
                    x, idx, randn(DType.F32, 2, 6));
        }
        check("take and takeAlongDim", EXACT, in -> in[0].take(in[1]).add(in[0].takeAlongDim(in[2], 1).reshape(-1)),
                x, ints(-1, 5, 23, 0), Tensor.of(new int[] {5, 0, 2, 2}, 4, 1));
        check("nonzero", EXACT, in -> in[0].nonzero(), mask);
        check("oneHot", EXACT, in -> in[0].oneHot(5), randint(0, 5, 3, 4));
        check("index", EXACT, in -> in[0].index(null, in[1], in[2]), randn(DType.F32, 2, 3, 4, 5),
                Tensor.of(new int[] {0, -1}, 2, 1), ints(3, 0, 1));
        check("index with a mask", EXACT, in -> in[0].index(in[1]), x, mask);
        check("indexPut accumulate", F32_SUMS, in -> in[0].indexPut(new Tensor[] {in[1]}, in[2], true), x,
                ints(1, 3, 1), randn(DType.F32, 3, 6));
        check("searchsorted", EXACT, in -> Tensor.searchsorted(in[0], in[1], false, true, null, null),
                Tensor.of(new float[] {-1, 0, 0, 2, 5}), x);
        check("histc", EXACT, in -> in[0].histc(7, -2, 2), x);
    }
}
