package dev.kiln.tensor;

import dev.kiln.tensor.spi.Strided;
import org.junit.jupiter.api.Test;

import static dev.kiln.tensor.testing.TensorAssert.assertRejects;
import static org.assertj.core.api.Assertions.assertThat;

/** The checked shape arithmetic, at the edge of the int range that a storage's indexing reaches. */
class ShapesTest {

    /** A storage of 2^31-1 elements that holds no memory: layouts over it are computed, never read. */
    private static Storage huge() {
        return new Storage(DType.F32, Integer.MAX_VALUE) {
            @Override
            public Device device() {
                return Device.CPU;
            }
        };
    }

    @Test
    void checkShapeCountsZerosAsOne() {
        assertThat(Shapes.checkShape("op", new int[] {2, 3})).isEqualTo(6);
        assertThat(Shapes.checkShape("op", new int[0])).isEqualTo(1);
        assertThat(Shapes.checkShape("op", new int[] {0, Integer.MAX_VALUE})).isZero();
        assertThat(Shapes.checkShape("op", new int[] {Integer.MAX_VALUE, 1})).isEqualTo(Integer.MAX_VALUE);
        assertRejects(() -> Shapes.checkShape("op", new int[] {0, 65536, 65536}), "op", "[0, 65536, 65536]",
                "4294967296", "0 counted as 1");
        assertRejects(() -> Shapes.checkShape("op", new int[] {46341, 46341}), "op", "element count is 2147488281");
        assertRejects(() -> Shapes.checkShape("op", new int[] {3, -1}), "op", "negative size -1", "[3, -1]");
        // a product far past 2^63 is still reported exactly
        assertRejects(() -> Shapes.checkShape("op", new int[] {1 << 30, 1 << 30, 1 << 30}), "op",
                "1237940039285380274899124224");
    }

    @Test
    void exactArithmeticRefusesWhatAnIntCannotHold() {
        int[] shape = {7};
        assertThat(Shapes.multiplyExact("op", shape, 1 << 15, 1 << 15)).isEqualTo(1 << 30);
        assertThat(Shapes.addExact("op", shape, Integer.MAX_VALUE - 1, 1)).isEqualTo(Integer.MAX_VALUE);
        assertThat(Shapes.toIntExact("op", shape, Integer.MIN_VALUE)).isEqualTo(Integer.MIN_VALUE);
        assertRejects(() -> Shapes.multiplyExact("op", shape, 1 << 16, 1 << 15), "op", "[7]", "2147483648");
        assertRejects(() -> Shapes.addExact("op", shape, Integer.MAX_VALUE, 1), "op", "2147483648");
        assertRejects(() -> Shapes.multiplyExact("op", shape, Long.MAX_VALUE, 2), "op", "beyond 2^63");
        assertRejects(() -> Shapes.addExact("op", shape, Long.MAX_VALUE, 1), "op", "beyond 2^63");
        assertRejects(() -> Shapes.toIntExact("op", shape, -2147483649L), "op", "-2147483649");
    }

    @Test
    void contiguityOfLargeLayoutsIsDecidedExactly() {
        assertThat(Shapes.isContiguous(new int[] {2, 65536, 16384}, new int[] {1 << 30, 16384, 1})).isTrue();
        // 65536·65536 wraps an int to 0: a stride of 0 must not pass for it
        assertThat(Shapes.isContiguous(new int[] {2, 65536, 65536}, new int[] {0, 65536, 1})).isFalse();
        assertThat(Shapes.contiguousStrides(new int[] {0, 2, 1 << 29})).containsExactly(1 << 30, 1 << 29, 1);
        assertRejects(() -> Shapes.contiguousStrides(new int[] {0, 2, 1 << 30}), "contiguousStrides", "2147483648");
    }

    @Test
    void offsetsNearTheTopOfTheIntRange() {
        Tensor t = Tensor.fromStorage(huge(), new int[] {2, 2}, new int[] {1 << 30, 1}, (1 << 30) - 3);
        assertThat(Strided.offsets(t)).containsExactly((1 << 30) - 3, (1 << 30) - 2, Integer.MAX_VALUE - 2,
                Integer.MAX_VALUE - 1);
        assertThat(Strided.offsetOf(t, new int[] {1, 1})).isEqualTo(Integer.MAX_VALUE - 1);
        assertRejects(() -> Strided.offsetOf(t, new int[] {2, 1}), "offsetOf", "[2, 2]", "3221225470");
        assertThat(Strided.outer(new int[] {65536, 16384, 2}, 2)).isEqualTo(1 << 30);
        assertRejects(() -> Strided.outer(new int[] {65536, 65536, 0}, 2), "outer", "4294967296");
    }

    @Test
    void viewsOfLargeLayoutsKeepExactStrides() {
        Tensor t = Tensor.fromStorage(huge(), new int[] {2}, new int[] {1 << 30}, 0);
        // a new size-1 dim may get any stride; the natural one, 2^31, does not fit an int, so 1 stands in
        assertThat(t.unsqueeze(0).shape()).containsExactly(1, 2);
        assertThat(t.view(1, 2).strides()).containsExactly(1, 1 << 30);
        assertThat(t.slice(0, 0, 2, 2).shape()).containsExactly(1);
        assertThat(t.select(0, 1).offset()).isEqualTo(1 << 30);
        assertThat(t.narrow(0, 1, 1).offset()).isEqualTo(1 << 30);
        assertRejects(() -> Tensor.fromStorage(huge(), new int[] {3}, new int[] {1 << 30}, 0), "fromStorage",
                "reach outside");
    }
}
