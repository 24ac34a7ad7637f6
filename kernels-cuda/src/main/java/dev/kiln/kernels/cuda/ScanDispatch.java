package dev.kiln.kernels.cuda;

import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.spi.ScanOp;

import static dev.kiln.kernels.cuda.DeviceTensors.*;

/** CudaBackend's prod, scans, sort and top-k: the kernels of scan.cu. */
final class ScanDispatch {
    private ScanDispatch() {
    }

    static void prod(Tensor out, Tensor x, int dim) {
        if (out.numel() == 0) {
            return;
        }
        int[] shape = x.shape();
        int outer = outer(shape, dim);
        int inner = inner(shape, dim);
        dev(out).launch1d(Kernels.PROD, sfx(x), (long) outer * inner,
                new Args().i(outer).i(shape[dim]).i(inner).ptr(ptr(out)).ptr(ptr(x)));
    }

    static void scan(ScanOp op, Tensor out, Tensor indices, Tensor x, int dim) {
        if (out.numel() == 0) {
            return;
        }
        int[] shape = x.shape();
        int outer = outer(shape, dim);
        int inner = inner(shape, dim);
        dev(out).launch1d(Kernels.SCAN, sfx(x), (long) outer * inner, new Args().i(outer).i(shape[dim]).i(inner)
                .i(OpCodes.scan(op)).ptr(ptr(out)).ptr(ptrOrNull(indices)).ptr(ptr(x)));
    }

    /** Elements one block sorts in shared memory (scan.cu's KILN_SORT_TILE). */
    static final int SORT_TILE = 2048;
    /** CUDA's limit on a grid's y dimension. */
    private static final long MAX_GRID_Y = 65535;

    /**
     * The first k of each row's stable sort (descending when largest); sort is k = n. A row of up to
     * {@link #SORT_TILE} elements is one block's bitonic sort in shared memory, written straight to
     * the outputs; a longer row is sorted tile by tile into scratch, then merged pairwise (ping-pong
     * between two scratch pairs), the last pass writing the first k.
     */
    static void topk(Tensor values, Tensor indices, Tensor x, int k, boolean largest) {
        if (values.numel() == 0) {
            return;
        }
        int n = x.size(-1);
        int rows = x.numel() / n;
        int desc = largest ? 1 : 0;
        CudaDevice d = dev(values);
        long tiles = ceilDiv(n, SORT_TILE);
        if (tiles > MAX_GRID_Y) {
            // a row's tiles are the grid's y dimension
            throw new IllegalArgumentException("sort/topk on CUDA: rows of up to " + MAX_GRID_Y * SORT_TILE
                    + " elements, got " + n);
        }
        int smem = SORT_TILE * (x.dtype().byteSize() + 4);
        if (tiles == 1) {
            d.launch(Kernels.SORT_TILE, sfx(x), rows, 1, 1, sortBlock(n), smem,
                    new Args().i(n).i(k).i(desc).ptr(ptr(values)).ptr(ptr(indices)).ptr(ptr(x)));
            return;
        }
        long total = (long) rows * n;
        long vb = total * x.dtype().byteSize();
        CachingAllocator.Block[] v = {d.scratch(vb), d.scratch(vb)};
        CachingAllocator.Block[] ix = {d.scratch(total * 4), d.scratch(total * 4)};
        try {
            d.launch(Kernels.SORT_TILE, sfx(x), rows, (int) tiles, 1, 1024, smem, new Args().i(n).i(n).i(desc)
                    .ptr(v[0].address()).ptr(ix[0].address()).ptr(ptr(x)));
            int from = 0;
            for (long width = SORT_TILE; width < n; width *= 2) {
                boolean last = 2 * width >= n;
                Args args = new Args().i(rows).i(n).i((int) width).i(last ? k : n).i(desc)
                        .ptr(last ? ptr(values) : v[1 - from].address()).ptr(last ? ptr(indices) : ix[1 - from].address())
                        .ptr(v[from].address()).ptr(ix[from].address());
                d.launch1d(Kernels.SORT_MERGE, sfx(x), total, args);
                from = 1 - from;
            }
        } finally {
            for (int i = 0; i < 2; i++) {
                d.release(v[i]);
                d.release(ix[i]);
            }
        }
    }

    /** Threads for one tile of n elements: one per compared pair of the padded tile, 32 to 1024. */
    private static int sortBlock(int n) {
        int pairs = Integer.highestOneBit(Math.max(1, n - 1)); // half the tile padded to a power of two
        return Math.max(32, Math.min(1024, pairs));
    }
}
