package dev.kiln.tensor;

import java.util.Map;
import org.junit.jupiter.api.Test;

import static dev.kiln.tensor.DType.BOOL;
import static dev.kiln.tensor.DType.F32;
import static dev.kiln.tensor.DType.F64;
import static dev.kiln.tensor.DType.I32;
import static dev.kiln.tensor.testing.TensorAssert.assertRejects;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * PyTorch's type promotion as Kiln applies it: promoteTypes and canCast over every pair of dtypes
 * (torch.promote_types and torch.can_cast give the tables below), resultType with 0-d tensors and
 * scalars, and the ops that follow it. PyTorch's values for every op and dtype pair are held by
 * autograd's PromotionFixturesTest.
 */
class TypePromotionTest {

    /** torch.promote_types over float32, float64, int32, bool, row by row (symmetric). */
    private static final Map<DType, Map<DType, DType>> PROMOTE = Map.of(
            F32, Map.of(F32, F32, F64, F64, I32, F32, BOOL, F32),
            F64, Map.of(F32, F64, F64, F64, I32, F64, BOOL, F64),
            I32, Map.of(F32, F32, F64, F64, I32, I32, BOOL, I32),
            BOOL, Map.of(F32, F32, F64, F64, I32, I32, BOOL, BOOL));

    /** torch.can_cast(from, to): only a cast to a lower category is refused. */
    private static final Map<DType, Map<DType, Boolean>> CAN_CAST = Map.of(
            F32, Map.of(F32, true, F64, true, I32, false, BOOL, false),
            F64, Map.of(F32, true, F64, true, I32, false, BOOL, false),
            I32, Map.of(F32, true, F64, true, I32, true, BOOL, false),
            BOOL, Map.of(F32, true, F64, true, I32, true, BOOL, true));

    @Test
    void promoteTypesAndCanCastMatchPyTorchForEveryPair() {
        for (DType a : PROMOTE.keySet()) {
            for (DType b : PROMOTE.keySet()) {
                assertThat(DType.promoteTypes(a, b)).as("promoteTypes(%s, %s)", a, b).isEqualTo(PROMOTE.get(a).get(b));
                assertThat(DType.canCast(a, b)).as("canCast(%s, %s)", a, b).isEqualTo(CAN_CAST.get(a).get(b));
            }
        }
    }

    @Test
    void everyDTypePairPromotesToADTypeBothCastTo() {
        // holds for dtypes added later too: the rules are over categories and byte sizes
        for (DType a : DType.values()) {
            for (DType b : DType.values()) {
                DType r = DType.promoteTypes(a, b);
                assertThat(r).isEqualTo(DType.promoteTypes(b, a));
                assertThat(DType.canCast(a, r) && DType.canCast(b, r)).as("%s and %s to %s", a, b, r).isTrue();
                assertThat(r.byteSize()).isGreaterThanOrEqualTo(Math.min(a.byteSize(), b.byteSize()));
            }
        }
    }

    @Test
    void scalarsOnlyRaiseTheCategory() {
        Tensor f = Tensor.zeros(F32, 2);
        Tensor d = Tensor.zeros(F64, 2);
        Tensor i = Tensor.zeros(I32, 2);
        Tensor b = Tensor.zeros(BOOL, 2);
        assertThat(Tensor.resultType(i, 0.5)).isEqualTo(F32);
        assertThat(Tensor.resultType(f, 2L)).isEqualTo(F32);
        assertThat(Tensor.resultType(d, 0.5)).isEqualTo(F64);
        assertThat(Tensor.resultType(i, 2L)).isEqualTo(I32);
        assertThat(Tensor.resultType(b, true)).isEqualTo(BOOL);
        assertThat(Tensor.resultType(b, 1L)).isEqualTo(DType.I64); // PyTorch's int64
        assertThat(Tensor.resultType(b, 1.5)).isEqualTo(F32);
        assertThat(Tensor.resultType(i, false)).isEqualTo(I32);
    }

    @Test
    void zeroDimTensorsRankBelowDimensionedOnesOfTheSameCategory() {
        Tensor f = Tensor.zeros(F32, 2);
        Tensor i = Tensor.zeros(I32, 2);
        Tensor b = Tensor.zeros(BOOL, 2);
        Tensor d0 = Tensor.full(1.5, F64, Device.CPU);
        Tensor i0 = Tensor.full(1, I32, Device.CPU);
        assertThat(Tensor.resultType(f, d0)).isEqualTo(F32);   // same category: the dimensioned tensor wins
        assertThat(Tensor.resultType(i, d0)).isEqualTo(F64);   // higher category: the 0-d tensor's dtype
        assertThat(Tensor.resultType(b, i0)).isEqualTo(I32);
        assertThat(Tensor.resultType(i0, d0)).isEqualTo(F64);  // both 0-d: promoteTypes
        assertThat(Tensor.resultType(d0, f)).isEqualTo(F32);
        assertThat(f.add(d0).dtype()).isEqualTo(F32);
        assertThat(i.add(d0).dtype()).isEqualTo(F64);
    }

    @Test
    void binaryOpsComputeInTheResultType() {
        Tensor i = Tensor.of(new int[] {3, -2});
        Tensor f = Tensor.of(new float[] {0.5f, 1.5f});
        Tensor b = Tensor.of(new boolean[] {true, false});
        assertThat(i.add(f).dtype()).isEqualTo(F32);
        assertThat(i.add(f).toFloatArray()).containsExactly(3.5f, -0.5f);
        assertThat(b.add(i).toIntArray()).containsExactly(4, -2);
        assertThat(b.mul(b.logicalNot()).toBooleanArray()).containsExactly(false, false);
        assertThat(b.add(b).dtype()).isEqualTo(BOOL);
        assertThat(b.maximum(b.logicalNot()).toBooleanArray()).containsExactly(true, true);
        assertThat(i.lt(f).toBooleanArray()).containsExactly(false, true);
        assertThat(b.eq(b).toBooleanArray()).containsExactly(true, true);
        assertThat(i.atan2(i).dtype()).isEqualTo(F32);
        assertThat(b.bitwiseAnd(i).toIntArray()).containsExactly(1, 0);
        assertThat(b.bitwiseOr(b).dtype()).isEqualTo(BOOL);
        assertThat(i.logicalAnd(f).toBooleanArray()).containsExactly(true, true);
        assertThat(Tensor.where(b, i, f).toFloatArray()).containsExactly(3f, 1.5f);
        assertThat(Tensor.where(b, i, 0.5).dtype()).isEqualTo(F32);
        assertThat(Tensor.where(b, i, 7L).toIntArray()).containsExactly(3, 7);
    }

    @Test
    void addWithAlphaKeepsIntegersIntegerAndRefusesAFractionalAlphaForThem() {
        Tensor i = Tensor.of(new int[] {1, 2});
        assertThat(i.add(Tensor.of(new int[] {3, 4}), 2).toIntArray()).containsExactly(7, 10);
        assertThat(i.add(Tensor.of(new int[] {3, 4}), 2).dtype()).isEqualTo(I32);
        assertThat(i.add(Tensor.of(new float[] {1, 1}), 0.5).toFloatArray()).containsExactly(1.5f, 2.5f);
        // PyTorch: "For integral input tensors, argument alpha must not be a floating point number"
        assertRejects(() -> i.add(Tensor.of(new int[] {3, 4}), 0.5), "add", "alpha", "0.5", "I32");
    }

    @Test
    void inPlaceOpsWriteThePromotedResultBackWhenItCasts() {
        Tensor f = Tensor.of(new float[] {1, 2});
        f.add_(Tensor.of(new double[] {0.25, 0.5}));
        assertThat(f.dtype()).isEqualTo(F32);
        assertThat(f.toFloatArray()).containsExactly(1.25f, 2.5f);
        Tensor i = Tensor.of(new int[] {1, 2});
        i.mul_(3L).add_(Tensor.of(new boolean[] {true, false}));
        assertThat(i.toIntArray()).containsExactly(4, 6);
        // PyTorch: "result type Float can't be cast to the desired output type Int"
        assertRejects(() -> i.add_(Tensor.of(new float[] {1, 1})), "add_", "result type F32", "output type I32");
        assertRejects(() -> Tensor.of(new boolean[] {true}).add_(Tensor.of(new int[] {1})), "add_", "I32", "BOOL");
        assertRejects(() -> i.clamp_(0.5, 1.5), "clamp_", "F32", "I32");
        assertThat(i.toIntArray()).as("a refused in-place op leaves the tensor as it was").containsExactly(4, 6);
    }

    @Test
    void nullDTypesAreRefusedByName() {
        assertRejects(() -> DType.promoteTypes(F32, null), "promoteTypes", "null");
        assertRejects(() -> DType.canCast(null, F32), "canCast", "null");
        assertThatThrownBy(() -> Tensor.resultType(null, Tensor.zeros(1))).hasMessageStartingWith("resultType:");
    }
}
