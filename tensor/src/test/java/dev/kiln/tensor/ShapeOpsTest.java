package dev.kiln.tensor;

import java.util.List;
import org.junit.jupiter.api.Test;

import static dev.kiln.tensor.testing.TensorAssert.assertRejects;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The issue-15 shape, indexing and creation ops beyond their PyTorch fixtures (ShapeFixturesTest
 * in autograd): which results are views, empty and 0-d edge cases, result dtypes, and that every
 * bad argument is refused by the op's name with the shapes or values at fault.
 */
class ShapeOpsTest {

    private static Tensor iota(int... shape) {
        return Tensor.arange(0, Shapes.numel(shape), 1.0).reshape(shape);
    }

    @Test
    void diagonalUnfoldSplitAndUnbindAreViews() {
        Tensor x = iota(3, 4);
        Tensor d = x.diagonal(1);
        assertThat(d.toFloatArray()).containsExactly(1, 6, 11);
        d.fill_(-1);
        assertThat(x.toFloatArray()).containsExactly(0, -1, 2, 3, 4, 5, -1, 7, 8, 9, 10, -1);

        Tensor y = iota(7);
        Tensor w = y.unfold(0, 3, 2);
        assertThat(w.shape()).containsExactly(3, 3);
        assertThat(w.toFloatArray()).containsExactly(0, 1, 2, 2, 3, 4, 4, 5, 6);
        assertThat(w.storage()).isSameAs(y.storage());
        assertThat(Tensor.scalar(5).unfold(0, 1, 1).shape()).containsExactly(1);

        List<Tensor> parts = y.split(3);
        assertThat(parts).extracting(t -> t.size(0)).containsExactly(3, 3, 1);
        assertThat(parts.get(2).storage()).isSameAs(y.storage());
        assertThat(y.unbind()).hasSize(7).allSatisfy(t -> assertThat(t.dim()).isZero());
    }

    @Test
    void chunkAndSplitFollowPyTorchAtTheEdges() {
        assertThat(Tensor.zeros(5).chunk(3)).extracting(t -> t.size(0)).containsExactly(2, 2, 1);
        assertThat(Tensor.zeros(6).chunk(4)).extracting(t -> t.size(0)).containsExactly(2, 2, 2);
        assertThat(Tensor.zeros(0, 2).chunk(3)).hasSize(3).allSatisfy(t -> assertThat(t.shape()).containsExactly(0, 2));
        assertThat(Tensor.zeros(0).split(0)).hasSize(1);
        assertRejects(() -> Tensor.zeros(3).split(0), "split", "splitSize", "0");
        assertRejects(() -> Tensor.zeros(2, 6).split(new int[] {1, 2}, 1), "split", "[1, 2]", "add up to 3", "6");
        assertRejects(() -> Tensor.zeros(4).chunk(0), "chunk", "positive");
        assertRejects(() -> Tensor.scalar(1).unbind(), "unbind", "0-d");
    }

    @Test
    void viewsAndRearrangementsRefuseBadArguments() {
        Tensor x = iota(2, 3);
        assertRejects(() -> x.diagonal(0, 1, -1), "diagonal", "differ");
        assertRejects(() -> Tensor.zeros(3).diagonal(), "diagonal", "at least 2 dims", "[3]");
        assertRejects(() -> x.unfold(1, 4, 1), "unfold", "size 4", "[2, 3]");
        assertRejects(() -> x.unfold(1, 2, 0), "unfold", "step");
        assertRejects(() -> x.movedim(new int[] {0, 0}, new int[] {0, 1}), "movedim", "repeats");
        assertRejects(() -> x.movedim(new int[] {0}, new int[] {0, 1}), "movedim", "same number");
        assertRejects(() -> x.unflatten(1, 2, -1), "unflatten", "[3]");
        assertRejects(() -> x.repeat(2), "repeat", "fewer dims", "[2, 3]");
        assertRejects(() -> x.repeat(1, -1), "repeat", ">= 0");
        assertRejects(() -> x.roll(new int[] {1}, new int[] {0, 1}), "roll", "same length");
        assertRejects(() -> x.flip(0, 0), "flip", "more than once");
        assertRejects(() -> x.repeatInterleave(Tensor.of(new int[] {1, 2}), 1), "repeatInterleave", "2 counts", "3");
        // docs/OPS.md's spelling of torch.repeat_interleave(repeats)
        assertThat(Tensor.arange(3).repeatInterleave(Tensor.of(new int[] {2, 0, 1})).toIntArray()).containsExactly(0, 0, 2);
        assertRejects(() -> Tensor.zeros(3).tril(), "tril", "at least 2 dims");
        assertRejects(() -> iota(2, 2, 2).diag(), "diag", "1-D or 2-D");
        assertRejects(() -> Tensor.zeros(3).trace(), "trace", "2-D");
        assertRejects(Tensor::cartesianProd, "cartesianProd", "at least one");
        assertRejects(() -> Tensor.cartesianProd(x), "cartesianProd", "1-D", "[2, 3]");
        assertRejects(() -> Tensor.meshgrid(List.of(x), "ji"), "meshgrid", "\"ij\" or \"xy\"");
        assertRejects(() -> Tensor.meshgrid(x), "meshgrid", "0-d or 1-D", "[2, 3]");
    }

    @Test
    void squeezeOfSeveralDimsKeepsTheOthers() {
        Tensor x = Tensor.zeros(1, 3, 1, 1);
        assertThat(x.squeeze(new int[] {0, -1, 1}).shape()).containsExactly(3, 1);
        assertThat(x.squeeze(new int[] {0, -1, 1}).storage()).isSameAs(x.storage());
        assertRejects(() -> x.squeeze(new int[] {4}), "squeeze", "dim 4");
        assertThat(iota(2, 3).swapdims(0, 1).shape()).containsExactly(3, 2);
        assertThat(iota(2, 3, 4).moveaxis(0, -1).shape()).containsExactly(3, 4, 2);
    }

    @Test
    void reflectAndReplicateCroppingOneSideReadTheUncroppedDim() {
        Tensor x = Tensor.of(new float[] {0, 1, 2});
        // PyTorch: reflect (−1, 2) pads [0 1 2] to [0 1 2 1 0], then drops the first
        assertThat(x.pad(new int[] {-1, 2}, "reflect").toFloatArray()).containsExactly(1, 2, 1, 0);
        assertThat(x.pad(new int[] {2, -3}, "replicate").toFloatArray()).containsExactly(0, 0);
        assertThat(x.pad(new int[] {-2, 0}, "reflect").toFloatArray()).containsExactly(2);
        // the bound of reflect is the uncropped size
        assertRejects(() -> x.pad(new int[] {-1, 3}, "reflect"), "pad", "reflect", "size 3", "below the size");
    }

    @Test
    void padRefusesWhatPyTorchRefuses() {
        Tensor x = iota(2, 3);
        assertRejects(() -> x.pad(new int[] {1}), "pad", "even length");
        assertRejects(() -> x.pad(new int[] {1, 1, 1, 1, 1, 1}), "pad", "[2, 3]");
        assertRejects(() -> x.pad(new int[] {3, 0}, "reflect"), "pad", "reflect", "size 3", "below the size");
        assertRejects(() -> x.pad(new int[] {4, 0}, "circular"), "pad", "circular", "at most the size");
        assertRejects(() -> x.pad(new int[] {1, 1}, "wrap"), "pad", "\"wrap\"");
        assertRejects(() -> x.pad(new int[] {1, 1}, "reflect", 2), "pad", "only for mode constant");
        assertRejects(() -> x.pad(new int[] {-2, -2}), "pad", "below size 0");
        assertRejects(() -> Tensor.zeros(DType.I32, 2).pad(new int[] {1, 1}, "constant", 1e12), "pad", "I32");
        assertThat(x.pad(new int[] {-1, -1}).toFloatArray()).containsExactly(1, 4);
        assertThat(Tensor.zeros(DType.I32, 2).pad(new int[] {1, 0}, "constant", 7).toIntArray()).containsExactly(7, 0, 0);
    }

    @Test
    void masksScatterAndTakeRefuseBadArguments() {
        Tensor x = iota(2, 3);
        Tensor idx = Tensor.of(new int[] {0, 1}, 1, 2);
        assertRejects(() -> x.maskedFill(Tensor.zeros(3), 1), "maskedFill", "BOOL");
        assertRejects(() -> x.maskedFill(Tensor.of(new boolean[] {true, false}), 1), "maskedFill", "[2]", "[2, 3]");
        assertRejects(() -> x.maskedFill(Tensor.of(new boolean[] {true, false, true}), Tensor.zeros(1)), "maskedFill",
                "0-d");
        assertRejects(() -> x.maskedScatter(Tensor.of(new boolean[] {true, true, true}), Tensor.zeros(5)),
                "maskedScatter", "6 true values", "5 elements");
        assertRejects(() -> x.scatter(1, Tensor.of(new int[] {0, 3}, 1, 2), Tensor.zeros(1, 2)), "scatter", "3",
                "[0, 3)");
        assertRejects(() -> x.scatter(0, idx, Tensor.zeros(1, 1)), "scatter", "larger than src");
        assertRejects(() -> x.scatter(0, idx.to(DType.F32), 1), "scatter", "I32");
        assertRejects(() -> x.scatterReduce(0, idx, Tensor.zeros(1, 2), "max"), "scatterReduce", "\"max\"");
        assertRejects(() -> x.take(Tensor.of(new int[] {6})), "take", "6", "[-6, 6)");
        assertRejects(() -> x.takeAlongDim(Tensor.of(new int[] {0}), 0), "takeAlongDim", "same number of dims");
        assertRejects(() -> Tensor.of(new int[] {1, 3}).oneHot(3), "oneHot", "3", "numClasses");
        assertRejects(() -> Tensor.of(new int[] {-1}).oneHot(), "oneHot", "non-negative");
        assertRejects(() -> x.oneHot(), "oneHot", "I32", "F32");
    }

    @Test
    void scatterWithRepeatedIndicesKeepsTheLastWriteAndIntegerMeansRoundDown() {
        Tensor self = Tensor.zeros(3);
        Tensor out = self.scatter(0, Tensor.of(new int[] {1, 1, 2}), Tensor.of(new float[] {5, 6, 7}));
        assertThat(out.toFloatArray()).containsExactly(0, 6, 7);
        Tensor ints = Tensor.of(new int[] {-7, 4});
        assertThat(ints.scatterReduce(0, Tensor.of(new int[] {0, 1}), Tensor.of(new int[] {0, 1}), "mean").toIntArray())
                .containsExactly(-4, 2);
        assertThat(ints.scatterReduce(0, Tensor.of(new int[] {0, 0}), Tensor.of(new int[] {3, 2}), ScatterReduction.PROD,
                false).toIntArray()).containsExactly(6, 4);
    }

    @Test
    void advancedIndexingFollowsPyTorchsRules() {
        Tensor x = iota(2, 3, 4);
        assertRejects(() -> x.index(Tensor.zeros(2)), "index", "I32, I64 or BOOL", "F32");
        assertRejects(() -> x.index(null, null, null, Tensor.of(new int[] {0})), "index", "too many");
        assertRejects(() -> x.index(Tensor.of(new int[] {2})), "index", "2", "dim 0", "size 2");
        assertRejects(() -> x.index(Tensor.of(new int[] {0, 1}), Tensor.of(new int[] {0, 1, 2})), "index", "broadcast");
        assertRejects(() -> x.index(Tensor.of(new boolean[] {true, false, true})), "index", "mask", "[3]");
        // adjacent indexed dims keep their place, separated ones move to the front
        assertThat(x.index(null, Tensor.of(new int[] {0, 2}), Tensor.of(new int[] {1, 3})).shape()).containsExactly(2, 2);
        assertThat(x.index(Tensor.of(new int[] {1}), null, Tensor.of(new int[] {0, 3})).shape()).containsExactly(2, 3);
        assertThat(x.index(null, Tensor.of(new int[] {-1})).toFloatArray()).containsExactly(8, 9, 10, 11, 20, 21, 22, 23);
        assertThat(x.index().storage()).isSameAs(x.storage());
        Tensor put = x.indexPut(new Tensor[] {null, Tensor.of(new int[] {0, 0})}, Tensor.ones(2, 4), true);
        assertThat(put.sub(x).sum().item()).isEqualTo(16);
        assertThat(x.indexPut(new Tensor[] {null, Tensor.of(new int[] {0, 0})}, Tensor.full(-1, 2, 4)).min().item())
                .isEqualTo(-1);
        assertRejects(() -> x.indexPut(new Tensor[] {Tensor.of(new int[] {0})}, Tensor.ones(2)), "indexPut", "[2]",
                "[1, 3, 4]");
        assertRejects(() -> x.indexPut(new Tensor[] {Tensor.of(new int[] {0})}, Tensor.ones(DType.F64, 1)), "indexPut",
                "dtypes differ");
    }

    @Test
    void searchAndCountRefuseBadArgumentsAndGiveIndexDtypes() {
        Tensor seq = Tensor.of(new float[] {1, 3, 5});
        assertThat(Tensor.searchsorted(seq, 3).dim()).isZero();
        assertThat(Tensor.searchsorted(seq, 3).dtype()).isEqualTo(DType.I32);
        assertThat(Tensor.searchsorted(Tensor.of(new float[] {5, 1, 3}), Tensor.of(new float[] {4}), false, false, "right",
                Tensor.of(new int[] {1, 2, 0})).toIntArray()).containsExactly(2);
        assertRejects(() -> Tensor.searchsorted(seq, Tensor.zeros(1), false, true, "left", null), "searchsorted",
                "contradict");
        assertRejects(() -> Tensor.searchsorted(Tensor.zeros(2, 3), Tensor.zeros(3, 1)), "searchsorted", "[2, 3]",
                "[3, 1]");
        assertRejects(() -> Tensor.bucketize(seq, Tensor.zeros(2, 2)), "bucketize", "1-D");
        assertRejects(() -> seq.histc(0), "histc", "bins");
        assertRejects(() -> seq.histc(4, 3, 1), "histc", "below min");
        assertRejects(() -> Tensor.of(new int[] {1}).histc(), "histc", "floating");
        assertThat(Tensor.of(new float[] {2, 2}).histc(2).toFloatArray()).containsExactly(0, 2);
        // NaN sorts last, as PyTorch: a NaN value goes after every element, a NaN element after every value
        Tensor withNan = Tensor.of(new float[] {1, 2, Float.NaN});
        assertThat(Tensor.searchsorted(withNan, Tensor.of(new float[] {Float.NaN, 3, 1.5f})).toIntArray())
                .containsExactly(3, 3, 1);
        Tensor nz = Tensor.scalar(3).nonzero();
        assertThat(nz.shape()).containsExactly(1, 0);
        assertThat(nz.dtype()).isEqualTo(DType.I32);
        assertThat(Tensor.of(new int[] {0, 2}).oneHot().dtype()).isEqualTo(DType.I32);
    }

    @Test
    void einsumRefusesMalformedEquations() {
        Tensor a = iota(2, 3);
        assertRejects(() -> Tensor.einsum("ij,jk->ik", a), "einsum", "2 operands", "1 were given");
        assertRejects(() -> Tensor.einsum("ij->i1", a), "einsum", "'1'");
        assertRejects(() -> Tensor.einsum("ijk->i", a), "einsum", "[2, 3]", "\"ijk\"");
        assertRejects(() -> Tensor.einsum("ij,ij->i", a, iota(2, 4)), "einsum", "label j", "3", "4");
        assertRejects(() -> Tensor.einsum("ij->k", a), "einsum", "label k", "no operand");
        assertRejects(() -> Tensor.einsum("ii", a), "einsum", "repeats", "2", "3");
        assertThat(Tensor.einsum("ij->", a).item()).isEqualTo(15);
        assertThat(Tensor.einsum("i,i", Tensor.of(new float[] {1, 2}), Tensor.of(new float[] {3, 4})).item()).isEqualTo(11);
    }

    @Test
    void creationGivesPyTorchsShapesAndDtypes() {
        assertThat(Tensor.eye(2, 3).toFloatArray()).containsExactly(1, 0, 0, 0, 1, 0);
        assertThat(Tensor.eye(0, 3).shape()).containsExactly(0, 3);
        assertRejects(() -> Tensor.eye(-1, 2), "eye", "-1");
        assertThat(Tensor.empty(2, 0, 3).shape()).containsExactly(2, 0, 3);
        assertThat(Tensor.empty(DType.I32, 2).dtype()).isEqualTo(DType.I32);
        Tensor r = Tensor.arange(7, -2, -3);
        assertThat(r.dtype()).isEqualTo(DType.I32);
        assertThat(r.toIntArray()).containsExactly(7, 4, 1);
        assertThat(Tensor.arange(Integer.MIN_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE).toIntArray())
                .containsExactly(Integer.MIN_VALUE, -1, Integer.MAX_VALUE - 1);
        assertRejects(() -> Tensor.arange(0, 5, 0), "arange", "step");
        assertRejects(() -> Tensor.arange(0, 5, -1), "arange", "inconsistent");
        assertThat(Tensor.logspace(0, 2, 3).toFloatArray()).containsExactly(1, 10, 100);
        assertRejects(() -> Tensor.logspace(0, 1, -1), "logspace", "steps");
        Generator rng = new Generator(1);
        Tensor like = Tensor.zeros(DType.F64, 2, 3);
        assertThat(Tensor.randLike(like, rng).dtype()).isEqualTo(DType.F64);
        assertThat(Tensor.randnLike(like, rng).shape()).containsExactly(2, 3);
        assertThat(Tensor.randintLike(Tensor.zeros(DType.I32, 40), 3, 5, rng).toIntArray()).containsOnly(3, 4);
        assertRejects(() -> Tensor.randLike(Tensor.zeros(DType.I32, 1), rng), "randLike", "floating");
    }

    @Test
    void tensorReadsNestedArrays() {
        Tensor t = Tensor.tensor(new float[][] {{1, 2, 3}, {4, 5, 6}});
        assertThat(t.shape()).containsExactly(2, 3);
        assertThat(t.dtype()).isEqualTo(DType.F32);
        assertThat(t.toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(Tensor.tensor(new double[][][] {{{1}, {2}}}).shape()).containsExactly(1, 2, 1);
        assertThat(Tensor.tensor(new long[] {3, -4}).dtype()).isEqualTo(DType.I64);
        assertThat(Tensor.tensor(new long[][] {{1L << 40, -4}}).toLongArray()).containsExactly(1L << 40, -4);
        assertThat(Tensor.tensor(new byte[] {-3, 7}).dtype()).isEqualTo(DType.I8);
        assertThat(Tensor.tensor(new boolean[][] {{true}, {false}}).dtype()).isEqualTo(DType.BOOL);
        assertThat(Tensor.tensor(2.5).dim()).isZero();
        assertThat(Tensor.tensor(7).dtype()).isEqualTo(DType.I32);
        assertThat(Tensor.tensor(new int[0][]).shape()).containsExactly(0, 0);
        assertRejects(() -> Tensor.tensor(new int[][] {{1, 2}, {3}}), "tensor", "ragged", "dim 1");
        assertRejects(() -> Tensor.tensor("1"), "tensor", "String");
        assertRejects(() -> Tensor.tensor(new String[] {"1"}), "tensor", "String");
    }
}
