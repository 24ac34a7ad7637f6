package dev.kiln.kernels.cuda;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The iteration space of an elementwise kernel: a shape and, for up to four operands, their
 * strides in elements; packed into the {@code Layout} struct of {@code kiln.cuh}.
 *
 * <p>{@link #of} coalesces first, as PyTorch's TensorIterator does: size-1 dims are dropped and
 * neighbouring dims merged wherever every operand steps through them as through one dim, so a
 * contiguous tensor becomes rank 1 and most views rank 2 or 3. The kernel then divides by
 * fewer sizes per element. Layouts of more than {@link #MAX_DIMS} dims are cut into
 * {@link Chunk}s over their leading dims, one launch each.
 */
final class Layout {
    static final int MAX_DIMS = 8;
    static final int MAX_OPS = 4;
    /** Ints in the packed struct: rank, numel, shape[8], stride[4][8]. */
    static final int INTS = 2 + MAX_DIMS + MAX_OPS * MAX_DIMS;

    private final int[] shape;
    private final int[][] strides;

    private Layout(int[] shape, int[][] strides) {
        this.shape = shape;
        this.strides = strides;
    }

    /** A coalesced layout of {@code shape} for operands with these strides (each of shape's rank). */
    static Layout of(int[] shape, int[]... strides) {
        if (strides.length == 0 || strides.length > MAX_OPS) {
            throw new IllegalArgumentException("Layout: 1 to " + MAX_OPS + " operands, got " + strides.length);
        }
        for (int[] s : strides) {
            if (s.length != shape.length) {
                throw new IllegalArgumentException("Layout: strides " + Arrays.toString(s) + " do not match shape "
                        + Arrays.toString(shape));
            }
        }
        int ops = strides.length;
        // walk from the innermost dim outward, merging into the current (innermost-so-far) group
        List<Integer> sizes = new ArrayList<>();
        List<int[]> groupStrides = new ArrayList<>();
        for (int d = shape.length - 1; d >= 0; d--) {
            int size = shape[d];
            if (size == 1) {
                continue;
            }
            if (size == 0) {
                return new Layout(new int[] {0}, new int[ops][1]);
            }
            if (!sizes.isEmpty()) {
                int last = sizes.size() - 1;
                int lastSize = sizes.get(last);
                int[] ls = groupStrides.get(last);
                boolean mergeable = true;
                for (int k = 0; k < ops; k++) {
                    if ((long) ls[k] * lastSize != strides[k][d]) {
                        mergeable = false;
                        break;
                    }
                }
                if (mergeable) {
                    sizes.set(last, lastSize * size);
                    continue;
                }
            }
            sizes.add(size);
            int[] s = new int[ops];
            for (int k = 0; k < ops; k++) {
                s[k] = strides[k][d];
            }
            groupStrides.add(s);
        }
        if (sizes.isEmpty()) {  // a single element
            return new Layout(new int[] {1}, new int[ops][1]);
        }
        int rank = sizes.size();
        int[] outShape = new int[rank];
        int[][] outStrides = new int[ops][rank];
        for (int i = 0; i < rank; i++) {
            int d = rank - 1 - i;  // collected innermost first
            outShape[d] = sizes.get(i);
            for (int k = 0; k < ops; k++) {
                outStrides[k][d] = groupStrides.get(i)[k];
            }
        }
        return new Layout(outShape, outStrides);
    }

    int rank() {
        return shape.length;
    }

    int operands() {
        return strides.length;
    }

    int[] shape() {
        return shape.clone();
    }

    int[] strides(int operand) {
        return strides[operand].clone();
    }

    long numel() {
        long n = 1;
        for (int s : shape) {
            n *= s;
        }
        return n;
    }

    /** Whether every operand is walked with unit stride (the whole space is one contiguous run). */
    boolean isContiguous() {
        if (rank() != 1) {
            return false;
        }
        for (int[] s : strides) {
            if (s[0] != 1) {
                return false;
            }
        }
        return true;
    }

    /** The struct for the kernel; rank at most {@link #MAX_DIMS}. */
    int[] pack() {
        if (rank() > MAX_DIMS) {
            throw new IllegalStateException("Layout.pack: rank " + rank() + " > " + MAX_DIMS + "; use chunks()");
        }
        int[] p = new int[INTS];
        p[0] = rank();
        p[1] = Math.toIntExact(numel());
        System.arraycopy(shape, 0, p, 2, rank());
        for (int k = 0; k < strides.length; k++) {
            System.arraycopy(strides[k], 0, p, 2 + MAX_DIMS + k * MAX_DIMS, rank());
        }
        return p;
    }

    /** One launch: a layout of at most MAX_DIMS dims and, per operand, where it starts (elements). */
    record Chunk(Layout layout, int[] offsets) {
    }

    /** This layout as launches of at most {@link #MAX_DIMS} dims (one chunk unless it is deeper). */
    List<Chunk> chunks() {
        int ops = operands();
        if (rank() <= MAX_DIMS) {
            return List.of(new Chunk(this, new int[ops]));
        }
        int lead = rank() - MAX_DIMS;
        int[] leadShape = Arrays.copyOf(shape, lead);
        int[] tailShape = Arrays.copyOfRange(shape, lead, rank());
        int[][] tailStrides = new int[ops][];
        for (int k = 0; k < ops; k++) {
            tailStrides[k] = Arrays.copyOfRange(strides[k], lead, rank());
        }
        Layout tail = new Layout(tailShape, tailStrides);
        int count = 1;
        for (int s : leadShape) {
            count *= s;
        }
        List<Chunk> out = new ArrayList<>(count);
        int[] idx = new int[lead];
        for (int c = 0; c < count; c++) {
            int[] offsets = new int[ops];
            for (int k = 0; k < ops; k++) {
                for (int d = 0; d < lead; d++) {
                    offsets[k] += idx[d] * strides[k][d];
                }
            }
            out.add(new Chunk(tail, offsets));
            for (int d = lead - 1; d >= 0; d--) {
                if (++idx[d] < leadShape[d]) {
                    break;
                }
                idx[d] = 0;
            }
        }
        return out;
    }

    /** The offsets of element i for every operand, as the kernel computes them (for tests). */
    int[] offsetsOf(int i) {
        int[] off = new int[operands()];
        for (int d = rank() - 1; d >= 0; d--) {
            int idx = i % shape[d];
            i /= shape[d];
            for (int k = 0; k < off.length; k++) {
                off[k] += idx * strides[k][d];
            }
        }
        return off;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("Layout").append(Arrays.toString(shape));
        for (int[] s : strides) {
            b.append(' ').append(Arrays.toString(s));
        }
        return b.toString();
    }
}
