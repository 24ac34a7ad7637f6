package dev.kiln.kernels.cuda;

/**
 * A reduction for the {@code ReduceLayout} struct of {@code kiln.cuh}: the kept dims (row-major
 * order of the outputs) and the reduced dims of x, each group coalesced on its own.
 */
final class ReduceLayout {
    /** Ints in the packed struct: keptRank, redRank, outer, inner, then four arrays of 8. */
    static final int INTS = 4 + 4 * Layout.MAX_DIMS;

    final Layout kept;
    final Layout reduced;
    final int outer;
    final int inner;

    private ReduceLayout(Layout kept, Layout reduced) {
        this.kept = kept;
        this.reduced = reduced;
        this.outer = Math.toIntExact(kept.numel());
        this.inner = Math.toIntExact(reduced.numel());
    }

    /** Reducing x (shape, strides) over the sorted dims. */
    static ReduceLayout of(int[] shape, int[] strides, int[] dims) {
        boolean[] red = new boolean[shape.length];
        for (int d : dims) {
            red[d] = true;
        }
        int nk = shape.length - dims.length;
        int[] ks = new int[nk];
        int[] kst = new int[nk];
        int[] rs = new int[dims.length];
        int[] rst = new int[dims.length];
        for (int d = 0, i = 0, j = 0; d < shape.length; d++) {
            if (red[d]) {
                rs[j] = shape[d];
                rst[j++] = strides[d];
            } else {
                ks[i] = shape[d];
                kst[i++] = strides[d];
            }
        }
        return new ReduceLayout(Layout.of(ks, kst), Layout.of(rs, rst));
    }

    /** Reducing one dim: the reduced group is exactly that dim, never coalesced away. */
    static ReduceLayout ofDim(int[] shape, int[] strides, int dim) {
        int[] ks = new int[shape.length - 1];
        int[] kst = new int[shape.length - 1];
        for (int d = 0, i = 0; d < shape.length; d++) {
            if (d != dim) {
                ks[i] = shape[d];
                kst[i++] = strides[d];
            }
        }
        Layout reduced = Layout.of(new int[] {shape[dim]}, new int[] {strides[dim]});
        if (shape[dim] == 1) {  // Layout.of drops size-1 dims to stride 0; keep the real stride
            reduced = Layout.of(new int[] {1}, new int[] {0});
        }
        return new ReduceLayout(Layout.of(ks, kst), reduced);
    }

    boolean fits() {
        return kept.rank() <= Layout.MAX_DIMS && reduced.rank() <= Layout.MAX_DIMS;
    }

    /** The stride of the innermost reduced dim (1 when the reduced elements of an output are contiguous). */
    int innerReducedStride() {
        return reduced.strides(0)[reduced.rank() - 1];
    }

    int[] pack() {
        if (!fits()) {
            throw new IllegalStateException("ReduceLayout.pack: more than " + Layout.MAX_DIMS + " dim groups");
        }
        int m = Layout.MAX_DIMS;
        int[] p = new int[INTS];
        p[0] = kept.rank();
        p[1] = reduced.rank();
        p[2] = outer;
        p[3] = inner;
        System.arraycopy(kept.shape(), 0, p, 4, kept.rank());
        System.arraycopy(kept.strides(0), 0, p, 4 + m, kept.rank());
        System.arraycopy(reduced.shape(), 0, p, 4 + 2 * m, reduced.rank());
        System.arraycopy(reduced.strides(0), 0, p, 4 + 3 * m, reduced.rank());
        return p;
    }

    @Override
    public String toString() {
        return "ReduceLayout[kept " + kept + ", reduced " + reduced + ", outer " + outer + ", inner " + inner + "]";
    }
}
