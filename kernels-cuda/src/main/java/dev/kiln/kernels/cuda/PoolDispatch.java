package dev.kiln.kernels.cuda;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.kiln.tensor.PoolWindows;
import dev.kiln.tensor.PoolWindows3d;
import dev.kiln.tensor.Tensor;

import static dev.kiln.kernels.cuda.DeviceTensors.*;

/**
 * CudaBackend's 2-d and 3-d pooling: the kernels of pool.cu, which pool over volumes (a 2-d
 * pooling is one of depth 1), with the windows of a {@link PoolWindows} or {@link PoolWindows3d}
 * as one int table on the device (its layout is described in pool.cu). The last few tables are
 * kept per device by content: a network pools with the same windows every step, and a copy
 * from the (pageable) host waits until the device has finished everything queued before it.
 */
final class PoolDispatch {
    private PoolDispatch() {
    }

    /** Ints in pool.cu's PoolDims: planes, d, h, w, outD, outH, outW, dilationD, dilationH, dilationW. */
    static final int DIMS = 10;
    static final int CACHED_TABLES = 32;
    private static final Map<CudaDevice, Map<TableKey, CachingAllocator.Block>> TABLES = new HashMap<>();

    /** A table compared by content. */
    private record TableKey(int[] table) {
        @Override
        public boolean equals(Object o) {
            return o instanceof TableKey k && Arrays.equals(table, k.table);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(table);
        }
    }

    /** A pooling as pool.cu takes it: PoolDims, the divisor (0: the windows' counts) and the window table. */
    private record Geometry(int[] dims, int divisor, int[] table) {
        static Geometry of(PoolWindows p) {
            int[] one = {1};
            return of(p.n() * p.c(), new int[] {1, p.h(), p.w()}, new int[] {1, p.dilationH(), p.dilationW()},
                    new int[][][] {{{0}, one, one}, {p.hStart(), p.hEnd(), p.hCount()}, {p.wStart(), p.wEnd(), p.wCount()}},
                    p.divisor());
        }

        static Geometry of(PoolWindows3d p) {
            return of(p.n() * p.c(), new int[] {p.d(), p.h(), p.w()},
                    new int[] {p.dilationD(), p.dilationH(), p.dilationW()},
                    new int[][][] {{p.dStart(), p.dEnd(), p.dCount()}, {p.hStart(), p.hEnd(), p.hCount()},
                        {p.wStart(), p.wEnd(), p.wCount()}}, p.divisor());
        }

        /** axes[a] = {start, end, count} of axis a (d, h, w); their length is the axis' output size. */
        private static Geometry of(int planes, int[] in, int[] dilation, int[][][] axes, int divisor) {
            int[] dims = {planes, in[0], in[1], in[2], axes[0][0].length, axes[1][0].length, axes[2][0].length,
                dilation[0], dilation[1], dilation[2]};
            int size = 0;
            for (int a = 0; a < 3; a++) {
                size += 3 * axes[a][0].length + 2 * in[a];
            }
            int[] table = new int[size];
            int at = 0;
            for (int[][] axis : axes) {
                for (int[] column : axis) {
                    System.arraycopy(column, 0, table, at, axis[0].length);
                    at += axis[0].length;
                }
            }
            for (int a = 0; a < 3; a++) {
                ranges(axes[a][0], axes[a][1], dilation[a], in[a], table, at);
                at += 2 * in[a];
            }
            return new Geometry(dims, divisor, table);
        }

        long outputs() {
            return (long) dims[0] * dims[4] * dims[5] * dims[6];
        }

        long inputs() {
            return (long) dims[0] * dims[1] * dims[2] * dims[3];
        }
    }

    static void maxPool2d(Tensor out, Tensor indices, Tensor x, PoolWindows p) {
        maxPool(out, indices, x, Geometry.of(p));
    }

    static void avgPool2d(Tensor out, Tensor x, PoolWindows p) {
        avgPool(out, x, Geometry.of(p));
    }

    static void avgPool2dBackward(Tensor dx, Tensor dy, PoolWindows p) {
        avgPoolBackward(dx, dy, Geometry.of(p));
    }

    /** A thread per plane, its outputs in order: no atomics, so overlapping windows sum deterministically. */
    static void maxPoolBackward(Tensor dx, Tensor dy, Tensor indices) {
        if (dy.numel() == 0) {
            return;
        }
        CudaDevice d = dev(dx);
        d.launch1d(Kernels.MAX_POOL_BACKWARD, sfx(dy), dx.size(0), new Args().i(dx.size(0)).i(dx.size(1)).i(dy.size(1))
                .ptr(ptr(dx)).ptr(ptr(dy)).ptr(ptr(indices)));
    }

    static void maxPool3d(Tensor out, Tensor indices, Tensor x, PoolWindows3d p) {
        maxPool(out, indices, x, Geometry.of(p));
    }

    static void avgPool3d(Tensor out, Tensor x, PoolWindows3d p) {
        avgPool(out, x, Geometry.of(p));
    }

    static void avgPool3dBackward(Tensor dx, Tensor dy, PoolWindows3d p) {
        avgPoolBackward(dx, dy, Geometry.of(p));
    }

    private static void maxPool(Tensor out, Tensor indices, Tensor x, Geometry g) {
        if (g.outputs() == 0) {
            return;
        }
        CudaDevice d = dev(out);
        d.launch1d(Kernels.MAX_POOL, sfx(x), g.outputs(), new Args().poolDims(g.dims()).ptr(deviceTable(d, g.table()))
                .ptr(ptr(out)).ptr(ptr(indices)).ptr(ptr(x)));
    }

    private static void avgPool(Tensor out, Tensor x, Geometry g) {
        if (g.outputs() == 0) {
            return;
        }
        CudaDevice d = dev(out);
        d.launch1d(Kernels.AVG_POOL, sfx(x), g.outputs(), new Args().poolDims(g.dims()).i(g.divisor())
                .ptr(deviceTable(d, g.table())).ptr(ptr(out)).ptr(ptr(x)));
    }

    private static void avgPoolBackward(Tensor dx, Tensor dy, Geometry g) {
        if (g.inputs() == 0) {
            return;
        }
        CudaDevice d = dev(dx);
        d.launch1d(Kernels.AVG_POOL_BACKWARD, sfx(dy), g.inputs(), new Args().poolDims(g.dims()).i(g.divisor())
                .ptr(deviceTable(d, g.table())).ptr(ptr(dx)).ptr(ptr(dy)));
    }

    /**
     * The device address of this window table, uploaded unless one of the last {@link #CACHED_TABLES}
     * had the same content. An evicted table goes back to the allocator at once: whatever reuses
     * that memory is queued after the kernels that read the table.
     */
    private static long deviceTable(CudaDevice d, int[] table) {
        TableKey key = new TableKey(table);
        synchronized (TABLES) {
            Map<TableKey, CachingAllocator.Block> cache = TABLES.computeIfAbsent(d, k -> new LinkedHashMap<>(16, 0.75f,
                    true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<TableKey, CachingAllocator.Block> eldest) {
                    if (size() > CACHED_TABLES) {
                        d.release(eldest.getValue());
                        return true;
                    }
                    return false;
                }
            });
            CachingAllocator.Block b = cache.get(key);
            if (b == null) {
                long bytes = (long) table.length * Integer.BYTES;
                b = d.scratch(bytes);
                d.copyHostToDevice(b.address(), table, 0, bytes);
                cache.put(key, b);
            }
            return b.address();
        }
    }

    /** lo at t[at + i], hi at t[at + in + i]: the first and one past the last window that holds input i (0, 0 if none). */
    private static void ranges(int[] start, int[] end, int dilation, int in, int[] t, int at) {
        for (int i = 0; i < in; i++) {
            t[at + i] = Integer.MAX_VALUE;
        }
        for (int o = 0; o < start.length; o++) {
            for (int i = start[o]; i < end[o]; i += dilation) {
                t[at + i] = Math.min(t[at + i], o);
                t[at + in + i] = Math.max(t[at + in + i], o + 1);
            }
        }
        for (int i = 0; i < in; i++) {
            if (t[at + i] == Integer.MAX_VALUE) {
                t[at + i] = 0;
            }
        }
    }
}
