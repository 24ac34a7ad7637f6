package dev.kiln.tensor;

import dev.kiln.tensor.spi.CpuStorage;
import dev.kiln.tensor.testing.Nd;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.kiln.tensor.testing.TensorAssert.assertRejects;
import static dev.kiln.tensor.testing.TensorAssert.assertValues;
import static org.assertj.core.api.Assertions.assertThat;

/** Views share storage with their base and read the right elements; reshape copies only when it must. */
class ViewTest {

    /** 0, 1, 2, ... as F32 in the given shape. */
    private static Tensor iota(int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        return Tensor.arange(0, n, 1.0).reshape(shape);
    }

    private static Nd iotaNd(int... shape) {
        return Nd.build(shape, idx -> Nd.ravel(idx, shape));
    }

    /** Writes through the view and checks the base saw it (the view shares storage). */
    private static void assertShares(Tensor base, Tensor view) {
        assertThat(view.storage()).isSameAs(base.storage());
        if (view.numel() == 0) {
            return;
        }
        double before = base.sum().item();
        view.copy_(Tensor.full(-1000, view.dtype(), view.shape()));
        assertThat(base.sum().item()).isNotEqualTo(before);
        assertThat(base.toDoubleArray()).contains(-1000.0);
    }

    @Test
    void reshapeAndViewOfContiguousDataShare() {
        Tensor x = iota(2, 3, 4);
        Tensor v = x.view(4, -1);
        assertThat(v.shape()).containsExactly(4, 6);
        assertValues(v, new Nd(new int[] {4, 6}, iotaNd(2, 3, 4).data()));
        assertShares(x, v);
        Tensor r = iota(2, 3, 4).reshape(-1);
        assertThat(r.shape()).containsExactly(24);
        assertThat(iota(6).reshape(1, 6, 1).shape()).containsExactly(1, 6, 1);
        assertThat(iota(6).view(2, 1, 3).strides()).containsExactly(3, 3, 1);
        assertThat(Tensor.scalar(5).reshape(1, 1).shape()).containsExactly(1, 1);
        assertThat(iota(1, 1).reshape().shape()).isEmpty();
        assertThat(iota(0, 3).reshape(3, 0, 2).shape()).containsExactly(3, 0, 2);
        Tensor same = iota(2, 3);
        assertThat(same.reshape(2, 3)).isSameAs(same);
    }

    @Test
    void reshapeAndViewKeepRowMajorOrderOnEveryLayout() {
        Generator rng = new Generator(9);
        int[][] shapes = {{2, 3, 4}, {4, 1, 6}, {1, 2, 12}, {6, 2, 2}, {3, 8}, {24, 1}};
        int[][] targets = {{24}, {2, 12}, {4, 6}, {2, 2, 3, 2}, {1, 24, 1}, {3, 2, 4}, {12, 2}, {2, 3, 2, 2}};
        for (int[] shape : shapes) {
            Tensor x0 = dev.kiln.tensor.testing.TestTensors.random(rng, DType.F64, shape);
            List<Tensor> views = new ArrayList<>(dev.kiln.tensor.testing.TestTensors.layoutsWithBroadcast(x0));
            if (x0.dim() == 3) {
                views.add(x0.permute(2, 0, 1).contiguous().permute(1, 2, 0));
            }
            views.add(x0.transpose(0, 1).contiguous().transpose(0, 1));
            for (Tensor x : views) {
                double[] flat = x.toDoubleArray();
                for (int[] target : targets) {
                    Tensor r = x.reshape(target);
                    assertValues(r, target, flat, 0);
                    Tensor v;
                    try {
                        v = x.view(target);
                    } catch (IllegalArgumentException e) {
                        assertThat(e.getMessage()).startsWith("view:").contains("reshape");
                        assertThat(r.storage()).isNotSameAs(x.storage());
                        continue;
                    }
                    assertThat(v.storage()).isSameAs(x.storage());
                    assertValues(v, target, flat, 0);
                }
            }
        }
    }

    @Test
    void viewOfTransposedDataFailsAndReshapeCopies() {
        Tensor x = iota(3, 4);
        Tensor t = x.t();
        assertRejects(() -> t.view(12), "view", "[4, 3]", "[1, 4]", "[12]", "reshape");
        Tensor r = t.reshape(12);
        assertThat(r.storage()).isNotSameAs(x.storage());
        assertValues(r, new int[] {12}, new double[] {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}, 0);
        // a transposed view can still be viewed where the split dims keep their strides
        Tensor y = iota(2, 3, 4).transpose(0, 1); // [3, 2, 4], strides [4, 12, 1]
        Tensor split = y.view(3, 2, 2, 2);
        assertThat(split.storage()).isSameAs(y.storage());
        assertValues(split, Nd.build(new int[] {3, 2, 2, 2}, i -> i[1] * 12 + i[0] * 4 + i[2] * 2 + i[3]));
        assertRejects(() -> y.view(6, 4), "view", "[3, 2, 4]");
        // a stepped slice merges with nothing but can gain size-1 dims
        Tensor stepped = iota(10).slice(0, 0, 10, 2);
        assertThat(stepped.view(5, 1).storage()).isSameAs(stepped.storage());
        assertThat(stepped.view(1, 5).toFloatArray()).containsExactly(0, 2, 4, 6, 8);
    }

    @Test
    void reshapeChangingTheElementCountIsRejected() {
        assertRejects(() -> iota(2, 3).reshape(4, 2), "reshape", "[2, 3]", "6 elements", "[4, 2]");
        assertRejects(() -> iota(2, 3).view(7), "view", "[2, 3]", "[7]");
        assertRejects(() -> iota(2, 3).reshape(-1, 4), "reshape", "[2, 3]", "[-1, 4]");
        assertRejects(() -> iota(2, 3).reshape(-1, -1), "reshape", "only one dimension can be -1");
        assertRejects(() -> iota(2, 3).reshape(-2, -3), "reshape", "-2");
        assertRejects(() -> iota(0, 3).reshape(-1, 0), "reshape", "[0, 3]");
    }

    @Test
    void transposeAndPermute() {
        Tensor x = iota(2, 3, 4);
        Tensor t = x.transpose(0, 2);
        assertThat(t.shape()).containsExactly(4, 3, 2);
        assertThat(t.strides()).containsExactly(1, 4, 12);
        assertValues(t, Nd.build(new int[] {4, 3, 2}, i -> i[2] * 12 + i[1] * 4 + i[0]));
        assertShares(x, t);
        Tensor y = iota(2, 3, 4);
        Tensor p = y.permute(1, -1, 0);
        assertThat(p.shape()).containsExactly(3, 4, 2);
        assertValues(p, Nd.build(new int[] {3, 4, 2}, i -> i[2] * 12 + i[0] * 4 + i[1]));
        assertShares(y, p);
        assertThat(iota(2, 3).transpose(-1, -2).shape()).containsExactly(3, 2);
        assertThat(iota(5).t().shape()).containsExactly(5);
        Tensor s = Tensor.scalar(3);
        assertThat(s.transpose(0, -1).item()).isEqualTo(3);
        assertThat(s.permute().item()).isEqualTo(3);
        assertRejects(() -> iota(2, 3).permute(0), "permute", "[0]", "[2, 3]");
        assertRejects(() -> iota(2, 3).permute(0, 0), "permute", "repeats");
        assertRejects(() -> iota(2, 3).transpose(0, 2), "transpose", "dim 2", "rank 2");
        assertRejects(() -> iota(2, 3, 4).t(), "t", "[2, 3, 4]");
    }

    @Test
    void movedim() {
        Tensor x = iota(2, 3, 4);
        Tensor m = x.movedim(0, -1);
        assertThat(m.shape()).containsExactly(3, 4, 2);
        assertValues(m, Nd.build(new int[] {3, 4, 2}, i -> i[2] * 12 + i[0] * 4 + i[1]));
        Tensor back = x.movedim(2, 0);
        assertThat(back.shape()).containsExactly(4, 2, 3);
        assertValues(back, Nd.build(new int[] {4, 2, 3}, i -> i[1] * 12 + i[2] * 4 + i[0]));
        assertShares(x, back);
        assertRejects(() -> x.movedim(3, 0), "movedim", "dim 3");
    }

    @Test
    void squeezeAndUnsqueeze() {
        Tensor x = iota(1, 3, 1, 2);
        assertThat(x.squeeze().shape()).containsExactly(3, 2);
        assertThat(x.squeeze(2).shape()).containsExactly(1, 3, 2);
        assertThat(x.squeeze(-4).shape()).containsExactly(3, 1, 2);
        assertThat(x.squeeze(1)).isSameAs(x);
        assertThat(x.squeeze().toFloatArray()).containsExactly(0, 1, 2, 3, 4, 5);
        assertShares(x, x.squeeze());
        Tensor y = iota(3, 2);
        assertThat(y.unsqueeze(0).shape()).containsExactly(1, 3, 2);
        assertThat(y.unsqueeze(1).shape()).containsExactly(3, 1, 2);
        assertThat(y.unsqueeze(2).shape()).containsExactly(3, 2, 1);
        assertThat(y.unsqueeze(-1).shape()).containsExactly(3, 2, 1);
        assertThat(y.unsqueeze(-3).shape()).containsExactly(1, 3, 2);
        assertThat(y.t().unsqueeze(1).toFloatArray()).containsExactly(0, 2, 4, 1, 3, 5);
        assertShares(y, y.unsqueeze(1));
        assertThat(Tensor.scalar(1).unsqueeze(0).shape()).containsExactly(1);
        assertThat(Tensor.scalar(1).squeeze().shape()).isEmpty();
        assertRejects(() -> y.unsqueeze(3), "unsqueeze", "dim 3", "rank 2");
        assertRejects(() -> y.unsqueeze(-4), "unsqueeze", "dim -4");
        assertRejects(() -> y.squeeze(2), "squeeze", "dim 2");
    }

    @Test
    void expandBroadcastsWithZeroStrides() {
        Tensor x = iota(3, 1);
        Tensor e = x.expand(2, 3, 4);
        assertThat(e.shape()).containsExactly(2, 3, 4);
        assertThat(e.strides()).containsExactly(0, 1, 0);
        assertValues(e, Nd.build(new int[] {2, 3, 4}, i -> i[1]));
        assertThat(x.expand(-1, 5).shape()).containsExactly(3, 5);
        assertThat(x.expand(3, 0).numel()).isZero();
        assertThat(Tensor.scalar(2).expand(2, 2).toFloatArray()).containsExactly(2, 2, 2, 2);
        assertThat(x.expand(3, 1)).isSameAs(x);
        assertThat(x.expandAs(Tensor.zeros(3, 2)).shape()).containsExactly(3, 2);
        // writing into the base shows through every broadcast position
        Tensor base = iota(3, 1);
        Tensor view = base.expand(3, 4);
        base.copy_(Tensor.of(new float[] {7, 8, 9}, 3, 1));
        assertValues(view, Nd.build(new int[] {3, 4}, i -> 7 + i[0]));
        assertRejects(() -> x.expand(2, 2), "expand", "[3, 1]", "[2, 2]", "dim 0 has size 3");
        assertRejects(() -> x.expand(4), "expand", "[3, 1]", "[4]", "fewer dims");
        assertRejects(() -> x.expand(-1, 3, 1), "expand", "-1");
    }

    @Test
    void narrowAndSliceWithStepsAndNegativeBounds() {
        Tensor x = iota(4, 6);
        Tensor n = x.narrow(1, 2, 3);
        assertValues(n, Nd.build(new int[] {4, 3}, i -> i[0] * 6 + i[1] + 2));
        assertShares(x, n);
        assertThat(iota(4, 6).narrow(0, -2, 2).toFloatArray()).containsExactly(12, 13, 14, 15, 16, 17, 18, 19, 20,
                21, 22, 23);
        assertThat(iota(4, 6).narrow(1, 6, 0).shape()).containsExactly(4, 0);

        Tensor y = iota(4, 6);
        Tensor s = y.slice(1, 1, 6, 2);
        assertThat(s.shape()).containsExactly(4, 3);
        assertThat(s.strides()).containsExactly(6, 2);
        assertValues(s, Nd.build(new int[] {4, 3}, i -> i[0] * 6 + 1 + 2 * i[1]));
        assertShares(y, s);
        Tensor v = iota(10);
        assertThat(v.slice(0, -3, 10).toFloatArray()).containsExactly(7, 8, 9);
        assertThat(v.slice(0, -100, 2).toFloatArray()).containsExactly(0, 1);
        assertThat(v.slice(0, 2, -5, 3).toFloatArray()).containsExactly(2);
        assertThat(v.slice(0, 8, 100, 1).toFloatArray()).containsExactly(8, 9);
        assertThat(v.slice(0, 7, 3).shape()).containsExactly(0);
        assertThat(v.slice(0, 0, 10, 4).toFloatArray()).containsExactly(0, 4, 8);
        assertThat(v.slice(0, 0, 10, 3).toFloatArray()).containsExactly(0, 3, 6, 9);
        assertThat(v.slice(0, 1, 10, Integer.MAX_VALUE).toFloatArray()).containsExactly(1);
        assertThat(v.slice(0, Integer.MIN_VALUE, Integer.MAX_VALUE, 5).toFloatArray()).containsExactly(0, 5);
        // a slice of a slice composes strides and offsets
        assertThat(v.slice(0, 1, 10, 2).slice(0, 1, 4, 2).toFloatArray()).containsExactly(3, 7);
        assertRejects(() -> v.slice(0, 0, 5, 0), "slice", "step", "0");
        assertRejects(() -> v.slice(0, 0, 5, -1), "slice", "step", "-1");
        assertRejects(() -> v.narrow(0, 8, 3), "narrow", "start 8", "length 3", "size 10");
        assertRejects(() -> v.narrow(0, 0, -1), "narrow", "length -1");
        assertRejects(() -> v.narrow(1, 0, 1), "narrow", "dim 1");
        assertRejects(() -> Tensor.scalar(1).narrow(0, 0, 1), "narrow", "0-d");
        assertRejects(() -> Tensor.scalar(1).slice(0, 0, 1), "slice", "0-d");
    }

    @Test
    void select() {
        Tensor x = iota(3, 4, 5);
        Tensor s = x.select(1, 2);
        assertValues(s, Nd.build(new int[] {3, 5}, i -> i[0] * 20 + 10 + i[1]));
        assertShares(x, s);
        assertThat(iota(3, 4).select(0, -1).toFloatArray()).containsExactly(8, 9, 10, 11);
        assertThat(iota(3).select(0, 1).shape()).isEmpty();
        assertThat(iota(3, 4).t().select(0, 1).toFloatArray()).containsExactly(1, 5, 9);
        assertRejects(() -> iota(3, 4).select(1, 4), "select", "index 4", "size 4", "[3, 4]");
        assertRejects(() -> iota(3, 4).select(0, -4), "select", "index -4");
        assertRejects(() -> iota(3, 4).select(2, 0), "select", "dim 2");
        assertRejects(() -> Tensor.scalar(1).select(0, 0), "select", "0-d");
    }

    @Test
    void contiguousCopiesOnlyWhenNeeded() {
        Tensor x = iota(3, 4);
        assertThat(x.contiguous()).isSameAs(x);
        Tensor t = x.t();
        assertThat(t.isContiguous()).isFalse();
        Tensor c = t.contiguous();
        assertThat(c.isContiguous()).isTrue();
        assertThat(c.storage()).isNotSameAs(x.storage());
        assertThat(c.strides()).containsExactly(3, 1);
        assertValues(c, Nd.build(new int[] {4, 3}, i -> i[1] * 4 + i[0]));
        // size-1 dims and empty tensors count as contiguous whatever their strides
        assertThat(iota(1, 4).t().isContiguous()).isTrue();
        assertThat(iota(4).expand(1, 4).isContiguous()).isTrue();
        assertThat(iota(4).expand(2, 4).isContiguous()).isFalse();
        assertThat(iota(4, 0).t().isContiguous()).isTrue();
    }

    @Test
    void flatten() {
        Tensor x = iota(2, 3, 4);
        assertThat(x.flatten().shape()).containsExactly(24);
        assertThat(x.flatten(1, 2).shape()).containsExactly(2, 12);
        assertThat(x.flatten(0, 1).shape()).containsExactly(6, 4);
        assertThat(x.flatten(-2, -1).shape()).containsExactly(2, 12);
        assertThat(x.flatten(1, 1).shape()).containsExactly(2, 3, 4);
        assertShares(x, x.flatten(0, 1));
        assertThat(Tensor.scalar(3).flatten().shape()).containsExactly(1);
        assertThat(Tensor.scalar(3).flatten(0, 0).shape()).containsExactly(1);
        assertThat(iota(2, 3).t().flatten().toFloatArray()).containsExactly(0, 3, 1, 4, 2, 5);
        assertRejects(() -> x.flatten(2, 1), "flatten", "startDim 2", "endDim 1");
        assertRejects(() -> x.flatten(0, 3), "flatten", "dim 3");
        // a 0-d tensor takes dims 0 and -1 only, as PyTorch
        assertThat(Tensor.scalar(3).flatten(-1, 0).toFloatArray()).containsExactly(3);
        assertRejects(() -> Tensor.scalar(1).flatten(5, 9), "flatten", "dim 5", "rank 0");
        assertRejects(() -> Tensor.scalar(1).flatten(0, 1), "flatten", "dim 1", "rank 0");
        assertRejects(() -> Tensor.scalar(1).flatten(-2, 0), "flatten", "dim -2", "rank 0");
        // the flattened size is an exact product
        Tensor wide = Tensor.zeros(0, 32768, 65535);
        assertThat(wide.flatten(1, 2).shape()).containsExactly(0, 32768 * 65535);
        assertThat(wide.flatten().shape()).containsExactly(0);
    }

    /** Shapes past the int range are refused by name, never wrapped (which once read outside a view). */
    @Test
    void sizesThatOverflowAnIntAreRefused() {
        Tensor empty = Tensor.arange(0, 100, 1.0).narrow(0, 0, 0);
        assertRejects(() -> empty.reshape(65536, 65536, 65536, 65536), "reshape", "too large", "2^31-1");
        assertRejects(() -> empty.view(65536, 65536, 65536, 65536), "view", "too large");
        assertRejects(() -> empty.reshape(-1, 65536, 65536), "reshape", "too large");
        assertRejects(() -> Tensor.zeros(0, 3).view(1 << 30, 1 << 30, 16, 1), "view", "too large");
        assertRejects(() -> Tensor.zeros(0, 3).reshape(0, -1), "reshape", "[0, -1]");
        assertThat(Tensor.zeros(0, 3).reshape(-1, 3).shape()).containsExactly(0, 3);
        assertThat(empty.reshape(0, 65536, 32767).shape()).containsExactly(0, 65536, 32767);
        assertRejects(() -> iota(3).expand(1 << 30, 3), "expand", "too large", "3221225472");
        assertRejects(() -> Tensor.zeros(0, 1).expand(1 << 30, 2, 0, 1), "expand", "too large");
        assertRejects(() -> iota(1).expand(-2), "expand", "invalid size -2");
        assertRejects(() -> iota(2, 1).expand(-1, -3), "expand", "invalid size -3");
        assertRejects(() -> Tensor.zeros(65536, 1).add(Tensor.zeros(1, 65536)), "add", "too large",
                "4294967296");
        assertRejects(() -> Tensor.zeros(1, 46341).matmul(Tensor.zeros(46341, 1)).expand(46341, 46341),
                "expand", "too large");
        assertRejects(() -> Tensor.zeros(1 << 16, 1, 1).matmul(Tensor.zeros(1, 1 << 16)), "matmul",
                "too large");
        assertRejects(() -> Tensor.zeros(1, 1 << 16).indexSelect(0, Tensor.zeros(DType.I32, 1 << 16)), "indexSelect",
                "too large");
        assertRejects(() -> Tensor.fromStorage(CpuStorage.allocate(DType.F32, 4), new int[] {0, 65536, 65536},
                new int[] {1, 1, 1}, 0), "fromStorage", "too large");
        assertRejects(() -> Tensor.fromStorage(CpuStorage.allocate(DType.F32, 4), new int[] {0}, new int[] {1}, -1),
                "fromStorage", "negative offset");
    }

    @Test
    void viewsOfEmptyTensorsStayEmpty() {
        Tensor empty = Tensor.arange(0, 100, 1.0).narrow(0, 0, 0).reshape(0, 4, 5);
        assertThat(empty.select(1, 3).shape()).containsExactly(0, 5);
        assertThat(empty.narrow(2, 1, 3).shape()).containsExactly(0, 4, 3);
        assertThat(empty.slice(1, 0, 4, 3).shape()).containsExactly(0, 2, 5);
        assertThat(empty.permute(2, 0, 1).reshape(5, 0).shape()).containsExactly(5, 0);
        assertThat(empty.unsqueeze(1).expand(0, 7, 4, 5).numel()).isZero();
        assertThat(empty.flatten(0, 1).toFloatArray()).isEmpty();
        assertRejects(() -> empty.select(0, 0), "select", "index 0", "size 0");
        assertRejects(() -> empty.reshape(1), "reshape", "0 elements", "[1]");
    }

    @Test
    void sizeAndDimsOfAZeroDimensionalTensor() {
        Tensor s = Tensor.scalar(1);
        assertThat(s.dim()).isZero();
        assertThat(s.shape()).isEmpty();
        assertThat(s.numel()).isEqualTo(1);
        assertRejects(() -> s.size(0), "size", "0-d");
        assertRejects(() -> iota(2, 3).size(2), "size", "dim 2", "rank 2");
    }

    @Test
    void detachSharesStorageAndCloneDoesNot() {
        Tensor x = iota(2, 3);
        Tensor d = x.detach();
        assertShares(x, d);
        Tensor y = iota(2, 3);
        Tensor c = y.clone();
        assertThat(c.storage()).isNotSameAs(y.storage());
        c.fill_(5);
        assertThat(y.toFloatArray()).containsExactly(0, 1, 2, 3, 4, 5);
        Tensor tc = iota(2, 3).t().clone();
        assertThat(tc.isContiguous()).isTrue();
        assertThat(tc.toFloatArray()).containsExactly(0, 3, 1, 4, 2, 5);
    }

    @Test
    void inPlaceOpsWriteThroughViews() {
        Tensor x = iota(3, 4);
        x.t().narrow(0, 1, 2).mul_(-1); // columns 1 and 2 of x
        assertValues(x, Nd.build(new int[] {3, 4}, i -> (i[1] == 1 || i[1] == 2 ? -1 : 1) * (i[0] * 4 + i[1])));
        Tensor y = iota(2, 3);
        y.select(0, 1).add_(Tensor.of(new float[] {10, 20, 30}));
        assertThat(y.toFloatArray()).containsExactly(0, 1, 2, 13, 24, 35);
        y.slice(1, 0, 3, 2).fill_(-1);
        assertThat(y.toFloatArray()).containsExactly(-1, 1, -1, -1, 24, -1);
        y.zero_();
        assertThat(y.toFloatArray()).containsOnly(0);
        Tensor z = iota(2, 2);
        z.clamp_(1, 2);
        assertThat(z.toFloatArray()).containsExactly(1, 1, 2, 2);
        z.sub_(Tensor.ones(2));
        assertThat(z.toFloatArray()).containsExactly(0, 0, 1, 1);
        z.add_(Tensor.ones(2, 2), 3);
        assertThat(z.toFloatArray()).containsExactly(3, 3, 4, 4);
        z.div_(Tensor.full(2, 1));
        assertThat(z.toFloatArray()).containsExactly(1.5f, 1.5f, 2, 2);
        z.mul_(Tensor.of(new float[] {2, 0}));
        assertThat(z.toFloatArray()).containsExactly(3, 0, 4, 0);
        // copy_ converts dtypes and broadcasts
        Tensor w = Tensor.zeros(DType.I32, 2, 2);
        w.copy_(Tensor.of(new float[] {1.9f, -2.7f}));
        assertThat(w.toIntArray()).containsExactly(1, -2, 1, -2);
        // an overlapping copy within one buffer reads before it writes
        Tensor v = iota(5);
        v.slice(0, 1, 5).copy_(v.slice(0, 0, 4));
        assertThat(v.toFloatArray()).containsExactly(0, 0, 1, 2, 3);
        assertRejects(() -> iota(2, 3).copy_(iota(3, 2)), "copy_", "[3, 2]", "[2, 3]");
        // several elements of a broadcast view share one memory location: writing different values is refused
        Tensor small = iota(3, 1);
        assertRejects(() -> small.expand(3, 4).copy_(iota(3, 4)), "copy_", "[3, 4]", "stride 0", "dim 1");
        assertRejects(() -> small.expand(2, 3, 1).add_(iota(2, 3, 1)), "add_", "[2, 3, 1]", "dim 0");
        small.expand(3, 4).fill_(2);
        assertThat(small.toFloatArray()).containsExactly(2, 2, 2);
        assertRejects(() -> iota(1, 3).add_(iota(2, 3)), "add_", "[2, 3]", "[1, 3]");
    }

    @Test
    void inPlaceWritesBumpTheStorageVersion() {
        Tensor x = iota(4);
        long v0 = x.storage().version();
        x.narrow(0, 1, 2).fill_(3);
        assertThat(x.storage().version()).isGreaterThan(v0);
        long v1 = x.storage().version();
        x.add_(Tensor.ones(4));
        assertThat(x.storage().version()).isGreaterThan(v1);
    }
}
