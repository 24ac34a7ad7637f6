package dev.kiln.kernels.cpu;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.kiln.kernels.cpu.KernelCheck.CPU;
import static dev.kiln.kernels.cpu.KernelCheck.Layout;
import static dev.kiln.kernels.cpu.KernelCheck.REF;
import static dev.kiln.kernels.cpu.KernelCheck.assertClose;
import static dev.kiln.kernels.cpu.KernelCheck.assertNothingOutside;
import static dev.kiln.kernels.cpu.KernelCheck.assertWrittenExactly;
import static dev.kiln.kernels.cpu.KernelCheck.holding;
import static dev.kiln.kernels.cpu.KernelCheck.input;
import static dev.kiln.kernels.cpu.KernelCheck.numel;
import static dev.kiln.kernels.cpu.KernelCheck.poisoned;
import static dev.kiln.kernels.cpu.KernelCheck.str;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * index_select, index_add, gather and scatter_add (and so embedding forward and backward) against
 * the reference, along every dim, with repeated indices and strided operands. Error bounds: the
 * selects are exact; the adds rtol 3e-7 (one float rounding per add, same order as the reference).
 */
class IndexKernelsTest {

    static final List<int[]> SHAPES = List.of(new int[] {7}, new int[] {1, 1}, new int[] {5, 7}, new int[] {6, 0},
            new int[] {3, 4, 5}, new int[] {2, 3, 17}, new int[] {500, 64});

    private static double[] indices(Generator rng, int count, int bound) {
        double[] v = new double[count];
        for (int i = 0; i < count; i++) {
            v[i] = rng.nextInt(bound);
        }
        if (count > 2) {
            v[count - 1] = v[0]; // a repeat
        }
        return v;
    }

    @Test
    void indexSelectMatchesReference() {
        var rng = new Generator(41);
        for (int[] shape : SHAPES) {
            for (int dim = 0; dim < shape.length; dim++) {
                if (shape[dim] == 0) {
                    continue;
                }
                for (int m : dim == 0 ? new int[] {0, 1, 5, 3000} : new int[] {0, 1, 5}) {
                    int[] outShape = shape.clone();
                    outShape[dim] = m;
                    if (KernelCheck.skipLarge(outShape) || KernelCheck.skipLarge(shape)) {
                        continue;
                    }
                    Tensor index = input(DType.I32, indices(rng, m, shape[dim]), new int[] {m}, Layout.STRIDED);
                    for (DType dtype : new DType[] {DType.F32, DType.I32}) {
                        double[] v = KernelCheck.randn(rng, numel(shape), 100, 0);
                        for (int i = 0; i < v.length; i++) {
                            v[i] = Math.rint(v[i]);
                        }
                        for (Layout layout : KernelCheck.layouts()) {
                            Tensor x = input(dtype, v, shape, layout);
                            String what = "indexSelect " + dtype + " " + str(shape) + " dim " + dim + " m " + m + " " + layout;
                            Tensor out = poisoned(dtype, outShape);
                            CPU.indexSelect(out, x, dim, index);
                            assertWrittenExactly(what, out);
                            Tensor ref = poisoned(dtype, outShape);
                            REF.indexSelect(ref, x, dim, index);
                            assertClose(what, out, ref, 0, 0);
                        }
                    }
                }
            }
        }
    }

    @Test
    void indexSelectOfAZeroSizeViewPastItsEmptyStorageWritesNothing() {
        // offset 1 over a storage of 0 elements: a copy of 0 elements from there still throws in arraycopy
        for (DType dtype : new DType[] {DType.F32, DType.I32}) {
            Tensor x = Tensor.zeros(dtype, 0, 3).narrow(1, 1, 1).t();
            Tensor out = Tensor.zeros(dtype, 1, 0);
            CPU.indexSelect(out, x, 0, Tensor.of(new int[] {0}));
            assertThat(out.numel()).isZero();
        }
    }

    @Test
    void indexAddMatchesReferenceWithRepeatedIndices() {
        var rng = new Generator(42);
        for (int[] shape : SHAPES) {
            for (int dim = 0; dim < shape.length; dim++) {
                if (shape[dim] == 0) {
                    continue;
                }
                for (int m : dim == 0 ? new int[] {0, 1, 6, 3000} : new int[] {0, 1, 6}) {
                    int[] srcShape = shape.clone();
                    srcShape[dim] = m;
                    if (KernelCheck.skipLarge(srcShape)) {
                        continue;
                    }
                    Tensor index = input(DType.I32, indices(rng, m, shape[dim]), new int[] {m}, Layout.OFFSET);
                    double[] self = KernelCheck.randn(rng, numel(shape), 1, 0);
                    double[] sv = KernelCheck.randn(rng, numel(srcShape), 1, 0);
                    for (Layout layout : KernelCheck.layouts()) {
                        Tensor src = input(sv, srcShape, layout);
                        String what = "indexAdd " + str(shape) + " dim " + dim + " m " + m + " " + layout;
                        Tensor out = holding(DType.F32, self, shape);
                        CPU.indexAdd(out, dim, index, src);
                        assertNothingOutside(what, out);
                        Tensor ref = holding(DType.F32, self, shape);
                        REF.indexAdd(ref, dim, index, src);
                        assertClose(what, out, ref, 3e-7, 1e-7);
                    }
                }
            }
        }
    }

    /** Index shapes no larger than x outside dim (gather's rule), with the gathered dim's length varied. */
    private static int[] smallerShape(int[] shape, int dim, int len) {
        int[] s = shape.clone();
        for (int d = 0; d < s.length; d++) {
            if (d != dim && s[d] > 2) {
                s[d] -= 1; // strictly smaller in other dims, so the index is not just x's shape
            }
        }
        s[dim] = len;
        return s;
    }

    @Test
    void gatherMatchesReference() {
        var rng = new Generator(43);
        for (int[] shape : SHAPES) {
            if (KernelCheck.skipLarge(shape)) {
                continue;
            }
            double[] v = KernelCheck.randn(rng, numel(shape), 1, 0);
            for (int dim = 0; dim < shape.length; dim++) {
                if (shape[dim] == 0) {
                    continue;
                }
                for (int len : new int[] {1, shape[dim] + 2}) {
                    int[] ishape = smallerShape(shape, dim, len);
                    double[] iv = indices(rng, numel(ishape), shape[dim]);
                    for (Layout layout : KernelCheck.layouts()) {
                        Tensor x = input(v, shape, layout);
                        Tensor index = input(DType.I32, iv, ishape, layout == Layout.PERMUTED ? Layout.STRIDED : layout);
                        String what = "gather " + str(shape) + " dim " + dim + " index " + str(ishape) + " " + layout;
                        Tensor out = poisoned(ishape);
                        CPU.gather(out, x, dim, index);
                        assertWrittenExactly(what, out);
                        Tensor ref = poisoned(ishape);
                        REF.gather(ref, x, dim, index);
                        assertClose(what, out, ref, 0, 0);
                    }
                }
            }
        }
    }

    @Test
    void scatterAddMatchesReference() {
        var rng = new Generator(44);
        for (int[] shape : SHAPES) {
            if (KernelCheck.skipLarge(shape)) {
                continue;
            }
            double[] self = KernelCheck.randn(rng, numel(shape), 1, 0);
            for (int dim = 0; dim < shape.length; dim++) {
                if (shape[dim] == 0) {
                    continue;
                }
                for (int len : new int[] {1, shape[dim] + 2}) {
                    int[] ishape = smallerShape(shape, dim, len);
                    int[] srcShape = ishape.clone();
                    srcShape[srcShape.length - 1] += 1; // src may be larger than index
                    double[] iv = indices(rng, numel(ishape), shape[dim]);
                    double[] sv = KernelCheck.randn(rng, numel(srcShape), 1, 0);
                    for (Layout layout : KernelCheck.layouts()) {
                        Tensor index = input(DType.I32, iv, ishape, layout);
                        Tensor src = input(sv, srcShape, layout);
                        String what = "scatterAdd " + str(shape) + " dim " + dim + " index " + str(ishape) + " " + layout;
                        Tensor out = holding(DType.F32, self, shape);
                        CPU.scatterAdd(out, dim, index, src);
                        assertNothingOutside(what, out);
                        Tensor ref = holding(DType.F32, self, shape);
                        REF.scatterAdd(ref, dim, index, src);
                        assertClose(what, out, ref, 3e-7, 1e-7);
                    }
                }
            }
        }
    }

    @Test
    void zeroDimensionalGatherAndScatter() {
        Tensor x = input(new double[] {2.5}, new int[] {}, Layout.OFFSET);
        Tensor index = input(DType.I32, new double[] {0}, new int[] {}, Layout.OFFSET);
        Tensor out = poisoned();
        CPU.gather(out, x, 0, index);
        assertWrittenExactly("gather 0-d", out);
        assertClose("gather 0-d", KernelCheck.values(out), new double[] {2.5}, 0, 0);
        Tensor self = holding(DType.F32, new double[] {1});
        CPU.scatterAdd(self, 0, index, x);
        assertClose("scatterAdd 0-d", KernelCheck.values(self), new double[] {3.5}, 0, 0);
    }
}
